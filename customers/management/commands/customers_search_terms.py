"""Check or rebuild the words customers are found by (customers.search_terms, ADR 0044).

manage.py customers_search_terms [--brand SLUG] [--check]

The customer services, the batch API, the import, the merge and the erasure keep the terms in step; run
this after writing customers outside them (SQL by hand, a restore of an old dump, a bench's generator).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jewelcrm.tenancy.context import brand_context


class Command(BaseCommand):
    help = "Rebuild (or with --check, count the rows out of step of) the customer search terms per brand."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--brand", help="slug of one brand (default: every brand)")
        parser.add_argument("--check", action="store_true", help="count rows out of step, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        from customers.search_terms import search_terms_refresh, search_terms_stale
        from jewelcrm.accounts.models import Brand

        brands = Brand.objects.order_by("slug")
        if options["brand"]:
            brands = brands.filter(slug=options["brand"])
            if not brands.exists():
                raise CommandError(f"Unknown brand {options['brand']!r}.")
        out_of_step = 0
        for brand in brands:
            with brand_context(brand), transaction.atomic():
                if options["check"]:
                    stale = search_terms_stale(brand_id=brand.pk)
                    out_of_step += stale
                    self.stdout.write(f"{brand.slug}: {stale} rows out of step")
                else:
                    written = search_terms_refresh(brand_id=brand.pk)
                    self.stdout.write(f"{brand.slug}: {written} search terms written")
        if out_of_step:
            raise CommandError(f"{out_of_step} search-term rows out of step: run without --check.")
