"""`manage.py rls_check`: fail (exit 1) unless row-level security protects every brand table."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jewelcrm.tenancy import distribution
from jewelcrm.tenancy.checks import rls_report


class Command(BaseCommand):
    help = "Check that every table with a brand_id column has forced row-level security and its policy."

    def handle(self, *args: Any, **options: Any) -> None:
        database = options.get("database") or "default"
        report = rls_report(database)
        if not report.ok:
            raise CommandError("Row-level security check failed:\n  " + "\n  ".join(report.problems))
        # Keys by brand on every brand table, and on Citus every table in its place (ADR 0016).
        keys = distribution.problems(database)
        if keys:
            raise CommandError("Brand keys or distribution check failed:\n  " + "\n  ".join(keys))
        self.stdout.write(f"Row-level security: {len(report.brand_tables)} brand tables protected.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--database", default="default")
