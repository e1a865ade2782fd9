"""The period and scope every insights read takes, and the helpers they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from jewelcrm.accounts.models import Brand
from jewelcrm.catalog import selectors as catalog_selectors
from jewelcrm.retail import selectors as retail_selectors
from segmentation.insights.models import InsightsRefresh, StoreProductWeek

DEFAULT_WEEKS = 13


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday `start` to Sunday `end`."""

    start: date
    end: date

    @property
    def weeks(self) -> list[date]:
        monday, out = self.start, []
        while monday <= self.end:
            out.append(monday)
            monday += timedelta(days=7)
        return out

    @classmethod
    def around(cls, start: date | None, end: date | None, today: date) -> Period:
        """The period asked for, snapped to whole weeks; by default the 13 weeks before this one."""
        this_monday = today - timedelta(days=today.weekday())
        end_monday = (end - timedelta(days=end.weekday())) if end else this_monday - timedelta(days=7)
        start_monday = (
            start - timedelta(days=start.weekday())
            if start
            else end_monday - timedelta(weeks=DEFAULT_WEEKS - 1)
        )
        if start_monday > end_monday:
            start_monday, end_monday = end_monday, start_monday
        return cls(start=start_monday, end=end_monday + timedelta(days=6))


@dataclass(frozen=True)
class Scope:
    """Which stores and products a page covers; empty means all."""

    country: str = ""
    store_id: int | None = None
    category: str = ""


def _rate(sold: int, received: int) -> Decimal | None:
    if not received:
        return None
    return (Decimal(sold) / Decimal(received)).quantize(Decimal("0.0001"))


def _weeks(*, brand: Brand, period: Period, scope: Scope) -> Any:
    rows = StoreProductWeek.objects.filter(brand=brand, week__gte=period.start, week__lte=period.end)
    if scope.store_id:
        rows = rows.filter(store_id=scope.store_id)
    if scope.country:
        store_ids = retail_selectors.store_list(brand=brand, country=scope.country).values("pk")
        rows = rows.filter(store_id__in=store_ids)
    if scope.category:
        product_ids = catalog_selectors.product_list(brand=brand, category=scope.category).values("pk")
        rows = rows.filter(product_id__in=product_ids)
    return rows.order_by()


def last_refresh(*, brand: Brand) -> InsightsRefresh | None:
    return InsightsRefresh.objects.filter(brand=brand).order_by("-finished_at").first()
