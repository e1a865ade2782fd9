"""Reads of the overview page: the brand's customers, revenue and warranties month by month.

Every figure comes from `OverviewMonth`, which the nightly job fills: one query reads the few dozen rows of
one slice of the brand (the whole brand, a store, a channel, a country, a store or a country on a channel),
whatever the size of the brand.

Definitions (also shown on the page):
- customers = customers who had bought at least once by the end of the period (in the slice);
- active customers = customers who bought in the 12 (24) months up to the end of the period;
- repeat rate = customers who had bought at least twice (two orders) ÷ customers, at the end of the period;
- average order value = revenue ÷ orders with a value in the brand's currency, over the period;
- revenue = orders net of refunds in the brand's currency at the order's rate (refunded, cancelled and
  pending orders left out); "new" revenue is that of a customer's first day of purchase with the brand,
  "returning" the rest, orders without a known customer neither;
- share of sales with a digital warranty = warranty registrations ÷ serialised pieces sold in stores;
- each figure is compared with the previous period of the same length (for the figures at the end of a
  period, with the end of the previous one); revenue by month also with the same month a year before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.models import Brand
from segmentation.insights.models import OverviewMonth

DEFAULT_MONTHS = 12
CHANNELS = {"store": _("In store"), "web": _("Online")}
_SUMS = (
    "orders",
    "valued_orders",
    "revenue",
    "new_revenue",
    "returning_revenue",
    "new_customers",
    "new_repeat_customers",
    "active_12m_change",
    "active_24m_change",
    "registrations",
    "pieces_sold",
)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthPeriod:
    """Whole months, `start` and `end` being the first day of the first and of the last month."""

    start: date
    end: date

    @property
    def months(self) -> list[date]:
        out, month = [], self.start
        while month <= self.end:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def last_day(self) -> date:
        return add_months(self.end, 1) - timedelta(days=1)

    def shifted(self, months: int) -> MonthPeriod:
        return MonthPeriod(add_months(self.start, months), add_months(self.end, months))

    @property
    def previous(self) -> MonthPeriod:
        return self.shifted(-len(self.months))

    @classmethod
    def around(cls, start: date | None, end: date | None, today: date) -> MonthPeriod:
        """The months asked for; by default the 12 whole months before this one."""
        end_month = end.replace(day=1) if end else add_months(today.replace(day=1), -1)
        start_month = start.replace(day=1) if start else add_months(end_month, -(DEFAULT_MONTHS - 1))
        if start_month > end_month:
            start_month, end_month = end_month, start_month
        return cls(start=start_month, end=end_month)


@dataclass(frozen=True)
class Slice:
    """Which part of the brand the page shows; empty means all. A store stands for its country."""

    store_id: int | None = None
    channel: str = ""
    country: str = ""


@dataclass
class Figure:
    """One headline figure and the same figure for the previous period."""

    key: str
    label: Any
    value: Any
    previous: Any
    kind: str  # "count", "money" or "share"

    @property
    def change(self) -> Decimal | None:
        """Relative change for counts and amounts (0.12 = +12 %), difference in points for shares."""
        if self.value is None or self.previous is None:
            return None
        if self.kind == "share":
            return (Decimal(self.value) - Decimal(self.previous)) * 100
        if not self.previous:
            return None
        return ((Decimal(self.value) - Decimal(self.previous)) / Decimal(self.previous)).quantize(
            Decimal("0.0001")
        )


@dataclass
class MonthRow:
    month: date
    revenue: Decimal
    revenue_last_year: Decimal
    orders: int
    new_revenue: Decimal
    returning_revenue: Decimal
    registrations: int
    pieces_sold: int

    @property
    def other_revenue(self) -> Decimal:
        return self.revenue - self.new_revenue - self.returning_revenue

    @property
    def warranty_share(self) -> Decimal | None:
        return _share(self.registrations, self.pieces_sold)


@dataclass
class Overview:
    period: MonthPeriod
    currency: str
    figures: list[Figure]
    months: list[MonthRow]
    has_data: bool  # anything up to the end of the period
    period_has_data: bool  # anything in the period itself

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def _share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def overview(*, brand: Brand, period: MonthPeriod, slice: Slice) -> Overview:
    """The overview's figures for one period and slice: one query on `OverviewMonth`."""
    rows = (
        OverviewMonth.objects.filter(
            brand=brand,
            store_id=slice.store_id,
            channel=slice.channel,
            country="" if slice.store_id else slice.country,
            month__lte=period.end,
        )
        .order_by()
        .values("month")
        .annotate(**{name: Sum(name) for name in _SUMS})
    )
    by_month: dict[date, dict[str, Any]] = {row["month"]: row for row in rows}
    zero = dict.fromkeys(_SUMS, 0)

    def month(m: date) -> dict[str, Any]:
        return by_month.get(m, zero)

    def total(name: str, p: MonthPeriod) -> Any:
        return sum((month(m)[name] or 0 for m in p.months), 0)

    def upto(name: str, end: date) -> int:
        return sum(row[name] or 0 for m, row in by_month.items() if m <= end)

    previous = period.previous

    def at_end(name: str) -> tuple[int, int]:
        return upto(name, period.end), upto(name, previous.end)

    customers, customers_before = at_end("new_customers")
    repeat, repeat_before = at_end("new_repeat_customers")
    active_12, active_12_before = at_end("active_12m_change")
    active_24, active_24_before = at_end("active_24m_change")
    revenue, revenue_before = _money(total("revenue", period)), _money(total("revenue", previous))
    valued, valued_before = total("valued_orders", period), total("valued_orders", previous)
    aov = _money(revenue / valued) if valued else None
    aov_before = _money(revenue_before / valued_before) if valued_before else None
    has_previous = any(m <= previous.end for m in by_month)

    def before(value: Any) -> Any:
        return value if has_previous else None

    figures = [
        Figure("customers", _("Customers"), customers, before(customers_before), "count"),
        Figure("active_12m", _("Active customers (12 months)"), active_12, before(active_12_before), "count"),
        Figure("active_24m", _("Active customers (24 months)"), active_24, before(active_24_before), "count"),
        Figure(
            "repeat_rate",
            _("Repeat rate"),
            _share(repeat, customers),
            before(_share(repeat_before, customers_before)),
            "share",
        ),
        Figure("aov", _("Average order value"), aov, before(aov_before), "money"),
        Figure("revenue", _("Revenue"), revenue, before(revenue_before), "money"),
        Figure(
            "registrations",
            _("Warranty registrations"),
            total("registrations", period),
            before(total("registrations", previous)),
            "count",
        ),
        Figure(
            "warranty_share",
            _("Sales with a digital warranty"),
            _share(total("registrations", period), total("pieces_sold", period)),
            before(_share(total("registrations", previous), total("pieces_sold", previous))),
            "share",
        ),
    ]
    months = [
        MonthRow(
            month=m,
            revenue=_money(month(m)["revenue"]),
            revenue_last_year=_money(month(add_months(m, -12))["revenue"]),
            orders=month(m)["orders"],
            new_revenue=_money(month(m)["new_revenue"]),
            returning_revenue=_money(month(m)["returning_revenue"]),
            registrations=month(m)["registrations"],
            pieces_sold=month(m)["pieces_sold"],
        )
        for m in period.months
    ]
    return Overview(
        period=period,
        currency=brand.default_currency,
        figures=figures,
        months=months,
        has_data=bool(by_month),
        period_has_data=any(m in by_month for m in period.months),
    )
