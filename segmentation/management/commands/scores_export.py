"""Write the brand's published scores to a CSV file.

python manage.py scores_export --brand SLUG --out FILE.csv
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jewelcrm.tenancy.context import brand_context
from segmentation import presenters, selectors


class Command(BaseCommand):
    help = (
        "Export the published scores of a brand (BTYD summary, RFM segment, lifetime value, churn, cluster)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--brand", required=True)
        parser.add_argument("--out", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        from jewelcrm.accounts.selectors import brand_get_by_slug

        brand = brand_get_by_slug(slug=options["brand"])
        if brand is None:
            raise CommandError(f"No active brand {options['brand']!r}")
        with brand_context(brand):
            run = selectors.published_run(brand=brand)
            if run is None:
                raise CommandError("No scores yet: run the pipeline first.")
            with open(options["out"], "w", newline="", encoding="utf-8") as handle:
                count = presenters.write_scores_csv(handle, brand=brand, run=run)
        self.stdout.write(
            f"{count} customers written to {options['out']} (run {run.pk}, {run.observation_date})"
        )
