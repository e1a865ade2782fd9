"""Sell-through by product against its category's benchmark, and the candidates to phase out."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from jewelcrm.accounts.models import Brand
from jewelcrm.catalog import selectors as catalog_selectors
from segmentation.insights.selectors.base import Period, Scope, _rate, _weeks, last_refresh


@dataclass
class ProductRow:
    product: Any
    received: int
    sold: int
    rate: Decimal | None
    benchmark: Decimal | None = None
    weeks_under: int = 0
    is_candidate: bool = False

    @property
    def gap(self) -> Decimal | None:
        if self.rate is None or self.benchmark is None:
            return None
        return self.rate - self.benchmark


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(statistics.median(values)).quantize(Decimal("0.0001")) if values else None


def _sort_products(rows: list[ProductRow]) -> list[ProductRow]:
    rows.sort(
        key=lambda r: (not r.is_candidate, r.gap if r.gap is not None else Decimal(99), r.product.reference)
    )
    return rows


def sell_through_by_product(
    *, brand: Brand, period: Period, scope: Scope, weeks_in_a_row: int = 4
) -> list[ProductRow]:
    """Every product with a receipt or a sale in the period, with its benchmark and under-performance.

    The default period of the whole network or of one country (a category filter only narrows it:
    benchmarks are per category) is read from the nightly `ProductSellThrough`; any other view is
    computed from the weekly store × product figures."""
    from segmentation.insights.models import ProductSellThrough

    if not scope.store_id and weeks_in_a_row == PRECOMPUTED_WEEKS_IN_A_ROW:
        stored = ProductSellThrough.objects.filter(
            brand=brand, country=scope.country.upper(), period_start=period.start, period_end=period.end
        ).select_related("product")
        if scope.category:
            stored = stored.filter(product__category=scope.category)
        found = list(stored)
        if found or last_precomputed_period(brand=brand) == (period.start, period.end):
            return _sort_products(
                [
                    ProductRow(
                        product=row.product,
                        received=row.received,
                        sold=row.sold,
                        rate=row.rate,
                        benchmark=row.benchmark,
                        weeks_under=row.weeks_under,
                        is_candidate=row.is_candidate,
                    )
                    for row in found
                ]
            )
    return sell_through_live(brand=brand, period=period, scope=scope, weeks_in_a_row=weeks_in_a_row)


PRECOMPUTED_WEEKS_IN_A_ROW = 4


def last_precomputed_period(*, brand: Brand) -> tuple[date, date] | None:
    refresh = last_refresh(brand=brand)
    if refresh is None or refresh.sell_through_start is None:
        return None
    return refresh.sell_through_start, refresh.sell_through_end


def sell_through_live(
    *, brand: Brand, period: Period, scope: Scope, weeks_in_a_row: int = 4
) -> list[ProductRow]:
    """Every product with a receipt or a sale in the period, computed from the weekly figures."""
    weekly = list(
        _weeks(brand=brand, period=period, scope=scope)
        .values("product_id", "week")
        .annotate(received=Sum("received"), sold=Sum("sold"))
    )
    if not weekly:
        return []
    products = {
        p.pk: p
        for p in catalog_selectors.product_list(brand=brand).filter(pk__in={r["product_id"] for r in weekly})
    }
    by_product: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    for row in weekly:
        by_product[row["product_id"]][row["week"]] = (row["received"], row["sold"])
    weeks = period.weeks
    tail = weeks[-weeks_in_a_row:] if weeks_in_a_row <= len(weeks) else []
    # Each product's cumulative rate at the weeks the page needs (the period's last and the tail), in one
    # pass over its weeks: a brand's thousands of products × weeks stay linear.
    checkpoints = sorted({weeks[-1], *tail})
    rates: dict[int, dict[date, Decimal | None]] = {}
    totals: dict[int, tuple[int, int]] = {}
    for product_id, figures in by_product.items():
        received = sold = 0
        at: dict[date, Decimal | None] = {}
        ordered = sorted(figures.items())
        index = 0
        for checkpoint in checkpoints:
            while index < len(ordered) and ordered[index][0] <= checkpoint:
                received, sold = received + ordered[index][1][0], sold + ordered[index][1][1]
                index += 1
            at[checkpoint] = _rate(sold, received)
        rates[product_id] = at
        totals[product_id] = (sum(r for r, _ in figures.values()), sum(s for _, s in figures.values()))

    def benchmarks(upto: date) -> dict[str, Decimal | None]:
        by_category: dict[str, list[Decimal]] = defaultdict(list)
        for product_id, at in rates.items():
            rate = at[upto]
            if rate is not None:
                by_category[products[product_id].category].append(rate)
        return {category: _median(values) for category, values in by_category.items()}

    end_benchmarks = benchmarks(weeks[-1])
    tail_benchmarks = {week: benchmarks(week) for week in tail}
    rows = []
    for product_id in by_product:
        product = products[product_id]
        received, sold = totals[product_id]
        under = 0
        for week in reversed(tail):
            rate, bench = rates[product_id][week], tail_benchmarks[week].get(product.category)
            if rate is None or bench is None or rate >= bench:
                break
            under += 1
        rows.append(
            ProductRow(
                product=product,
                received=received,
                sold=sold,
                rate=_rate(sold, received),
                benchmark=end_benchmarks.get(product.category),
                weeks_under=under,
                is_candidate=bool(tail) and under == len(tail),
            )
        )
    return _sort_products(rows)
