"""Rebuild the kept ranks of the client books (customers.book_ranks, ADR 0049).

manage.py book_ranks [--brand SLUG]

The hourly task rewrites a brand's ranks once its local day has moved on, and the customer, relation and
order services keep them in step between; run this after writing customers or orders outside them (SQL
by hand, an orders import, a restore, a bench's generator).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jewelcrm.tenancy.context import brand_context


class Command(BaseCommand):
    help = "Rebuild the kept ranks of the client books, per brand, as of each brand's local today."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--brand", help="slug of one brand (default: every brand)")

    def handle(self, *args: Any, **options: Any) -> None:
        from customers.book_ranks import book_ranks_refresh, brand_today
        from jewelcrm.accounts.models import Brand

        brands = Brand.objects.order_by("slug")
        if options["brand"]:
            brands = brands.filter(slug=options["brand"])
            if not brands.exists():
                raise CommandError(f"Unknown brand {options['brand']!r}.")
        for brand in brands:
            with brand_context(brand), transaction.atomic():
                written = book_ranks_refresh(brand_id=brand.pk, today=brand_today(brand))
                self.stdout.write(f"{brand.slug}: {written} client-book ranks written")
