"""Reads of the customers page: the nightly segmentation scores in aggregates, cohort retention and the
time between a customer's first and second purchase.

The scores come from segmentation's selectors (`score_aggregates_kept`, `segment_history`): three
grouped queries on the published run, kept in the cache under the brand and the run (they change only when
a new run is published) and computed into it by the pipeline as it publishes. Cohorts and second
purchases come from the small tables the nightly insights refresh fills (`CohortQuarter`,
`SecondPurchaseGap`).

Definitions (also shown on the page):
- a customer's cohort is the quarter of their first purchase; the triangle shows, for each cohort, the
  share of its customers who bought again in each later quarter (quarter 1 = the next one);
- the second purchase is the first purchase on another day than the first one;
- the RFM grid counts the customers of each recency × frequency score (5 = most recent, most frequent)
  and their spend; value deciles rank customers by their predicted 12-month value (historic value where
  no model could be fitted); churn-risk bands group the churn model's probabilities.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.models import Brand
from segmentation import labels as segmentation_labels
from segmentation import selectors as segmentation_selectors
from segmentation.insights.models import CohortQuarter, SecondPurchaseGap
from segmentation.insights.overview import add_months

DEFAULT_QUARTERS = 8
QUARTER_CHOICES = (4, 8, 12)
GAP_BUCKETS = (
    (0, 30, _("Within 30 days")),
    (31, 90, _("31 to 90 days")),
    (91, 180, _("91 to 180 days")),
    (181, 365, _("181 days to a year")),
    (366, 730, _("1 to 2 years")),
    (731, None, _("More than 2 years")),
)
CHURN_BANDS = (
    ("0-25", _("Low (under 25 %)")),
    ("25-50", _("Moderate (25 to 50 %)")),
    ("50-75", _("High (50 to 75 %)")),
    ("75-100", _("Very high (75 % and more)")),
    ("none", _("Not scored (no churn model)")),
)


def quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(quarter: date) -> str:
    return f"Q{(quarter.month - 1) // 3 + 1} {quarter.year}"


@dataclass
class Cohort:
    quarter: date
    customers: int
    again: list[int | None]  # customers buying again in each later quarter (None: not yet happened)

    @property
    def label(self) -> str:
        return quarter_label(self.quarter)

    @property
    def shares(self) -> list[Decimal | None]:
        return [
            None if n is None else (Decimal(n) / Decimal(self.customers)).quantize(Decimal("0.0001"))
            for n in self.again
        ]


def cohort_triangle(*, brand: Brand, today: date, quarters: int = DEFAULT_QUARTERS) -> list[Cohort]:
    """The cohorts of the last `quarters` whole quarters before today's, oldest first, each with the
    customers who bought again in each later whole quarter."""
    last = add_months(quarter_of(today), -3)
    first = add_months(last, -3 * (quarters - 1))
    rows = CohortQuarter.objects.filter(
        brand=brand, cohort__gte=first, cohort__lte=last, quarter__lte=last
    ).values_list("cohort", "quarter", "customers")
    cells: dict[tuple[date, date], int] = {(c, q): n for c, q, n in rows}
    out = []
    for index in range(quarters):
        cohort = add_months(first, 3 * index)
        size = cells.get((cohort, cohort), 0)
        if not size:
            continue
        later = quarters - 1 - index
        again: list[int | None] = [
            cells.get((cohort, add_months(cohort, 3 * k)), 0) for k in range(1, later + 1)
        ]
        again += [None] * (quarters - 1 - later)
        out.append(Cohort(quarter=cohort, customers=size, again=again))
    return out


@dataclass
class GapBucket:
    label: Any
    customers: int
    share: Decimal | None


@dataclass
class SecondPurchase:
    customers: int
    median_days: int | None
    buckets: list[GapBucket]


def second_purchase(*, brand: Brand) -> SecondPurchase:
    """Customers with a second purchase, the median days between their first and second, by bucket."""
    rows = list(
        SecondPurchaseGap.objects.filter(brand=brand).order_by("days").values_list("days", "customers")
    )
    total = sum(n for _d, n in rows)
    median = None
    if total:
        # The median of the days without expanding the rows: the values at the middle position(s).
        def at(position: int) -> int:
            running = 0
            for days, count in rows:
                running += count
                if running > position:
                    return days
            return rows[-1][0]

        median = int(statistics.mean([at((total - 1) // 2), at(total // 2)]) + 0.5)
    buckets = []
    for low, high, label in GAP_BUCKETS:
        n = sum(count for days, count in rows if days >= low and (high is None or days <= high))
        share = (Decimal(n) / Decimal(total)).quantize(Decimal("0.0001")) if total else None
        buckets.append(GapBucket(label=label, customers=n, share=share))
    return SecondPurchase(customers=total, median_days=median, buckets=buckets)


def scores(*, brand: Brand) -> dict[str, Any] | None:
    """Segmentation's score aggregates of the published run, as the pipeline kept them on the run."""
    return segmentation_selectors.score_aggregates_kept(brand=brand)


@dataclass
class GridCell:
    r: int
    f: int
    customers: int
    spend: Decimal
    heat: int  # 0 (none) … 5 (the most customers)


def rfm_grid(aggregates: dict[str, Any]) -> list[list[GridCell]]:
    """Rows R = 5 … 1, columns F = 1 … 5."""
    found = {(row["r_score"], row["f_score"]): row for row in aggregates["grid"]}
    most = max((row["customers"] for row in aggregates["grid"]), default=0)
    grid = []
    for r in range(5, 0, -1):
        line = []
        for f in range(1, 6):
            row = found.get((r, f), {})
            customers = row.get("customers", 0)
            heat = 0 if not customers or not most else max(1, int(5 * customers / most + 0.5))
            line.append(
                GridCell(
                    r=r,
                    f=f,
                    customers=customers,
                    spend=Decimal(str(row.get("spend") or 0)).quantize(Decimal("0.01")),
                    heat=heat,
                )
            )
        grid.append(line)
    return grid


def value_deciles(aggregates: dict[str, Any]) -> list[dict[str, Any]]:
    rows = sorted(aggregates["deciles"], key=lambda row: row["value_band"])
    return [
        {
            "decile": row["value_band"],
            "customers": row["customers"],
            "total": Decimal(str(row["total"] or 0)).quantize(Decimal("0.01")),
            "lowest": Decimal(str(row["lowest"] or 0)).quantize(Decimal("0.01")),
            "highest": Decimal(str(row["highest"] or 0)).quantize(Decimal("0.01")),
        }
        for row in rows
        if row["value_band"]
    ]


def churn_bands(aggregates: dict[str, Any]) -> list[dict[str, Any]]:
    found = {row["band"]: row for row in aggregates["churn"]}
    return [
        {
            "band": code,
            "label": label,
            "customers": found.get(code, {}).get("customers", 0),
            "at_risk": Decimal(str(found.get(code, {}).get("at_risk") or 0)).quantize(Decimal("0.01")),
        }
        for code, label in CHURN_BANDS
        if code != "none" or found.get(code)
    ]


def segments_over_time(*, brand: Brand) -> dict[str, Any]:
    """Segment sizes (and spend, where the run recorded it) at each finished run, oldest first."""
    runs = segmentation_selectors.segment_history(brand=brand)
    codes = [
        code
        for code in segmentation_labels.SEGMENT_LABELS
        if any(code in (run.summary or {}).get("segments", {}) for run in runs)
    ]
    return {
        "dates": [run.observation_date for run in runs],
        "segments": [
            {
                "code": code,
                "label": segmentation_labels.SEGMENT_LABELS[code],
                "sizes": [(run.summary or {}).get("segments", {}).get(code, 0) for run in runs],
                "values": [(run.summary or {}).get("segment_values", {}).get(code) for run in runs],
            }
            for code in codes
        ],
    }


def best_customer_profile(*, brand: Brand) -> Any:
    from segmentation import presenters

    run = segmentation_selectors.published_run(brand=brand)
    return presenters.best_customer_profile(run) if run is not None else None
