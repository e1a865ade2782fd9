"""Apply the customer retention rule now.

manage.py customers_retention [--brand SLUG] [--months N] [--dry-run]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jewelcrm.tenancy.context import brand_context


class Command(BaseCommand):
    help = "Erase (pseudonymise) customers inactive for longer than the retention period, brand by brand."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--brand", help="slug of one brand (default: every active brand)")
        parser.add_argument("--months", type=int, help="override the configured retention period")
        parser.add_argument(
            "--dry-run", action="store_true", help="list how many would be erased, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from customers import gdpr
        from jewelcrm.accounts.models import Brand

        brands = Brand.objects.filter(is_active=True).order_by("slug")
        if options["brand"]:
            brands = brands.filter(slug=options["brand"])
            if not brands.exists():
                raise CommandError(f"Unknown brand {options['brand']!r}.")
        for brand in brands:
            with brand_context(brand):
                months = (
                    options["months"] if options["months"] is not None else gdpr.retention_months(brand=brand)
                )
                ids = gdpr.retention_apply(brand=brand, months=months, dry_run=options["dry_run"])
            verb = "would erase" if options["dry_run"] else "erased"
            self.stdout.write(f"{brand.slug}: retention {months} months, {verb} {len(ids)} customer(s)")
