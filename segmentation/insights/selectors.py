"""Reads of the insights pages. Every figure comes from the small weekly table the nightly job fills
(`StoreProductWeek`) or from an aggregate query on the current stock: never from a scan of order lines.

Definitions (also shown on the pages):
- sell-through of a product (or a store) over a period = pieces sold / pieces received in that period;
  with no receipts it is undefined ("no receipts"), never a division by zero;
- the benchmark of a product is the median sell-through of the products of its category over the period;
- a product under-performs in a week when its sell-through from the start of the period to the end of
  that week is below its category's benchmark for the same span; it is a candidate to phase out when it
  under-performs in each of the last N weeks of the period;
- weeks of cover = pieces in stock now / pieces sold per week over the period;
- registration rate of a store = sales registered with a digital warranty / pieces sold.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from jewelcrm.accounts.models import Brand
from jewelcrm.catalog import selectors as catalog_selectors
from jewelcrm.catalog.models import Category
from jewelcrm.retail import selectors as retail_selectors
from segmentation.insights.models import (
    AgedPiece,
    InsightsRefresh,
    InsightsSettings,
    SalesWeek,
    StoreProductWeek,
    StoreStockAge,
    default_price_bands,
)
from segmentation.labels import price_band_labels
from warranties.inventory import selectors as inventory_selectors

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

    The default period of the whole network (a category filter only narrows it: benchmarks are per
    category) is read from the nightly `ProductSellThrough`; any other view is computed from the weekly
    store × product figures."""
    from segmentation.insights.models import ProductSellThrough

    if not scope.country and not scope.store_id and weeks_in_a_row == PRECOMPUTED_WEEKS_IN_A_ROW:
        stored = ProductSellThrough.objects.filter(
            brand=brand, period_start=period.start, period_end=period.end
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

    def cumulative(product_id: int, upto: date) -> Decimal | None:
        received = sold = 0
        for week, (r, s) in by_product[product_id].items():
            if week <= upto:
                received, sold = received + r, sold + s
        return _rate(sold, received)

    def benchmarks(upto: date) -> dict[str, Decimal | None]:
        rates: dict[str, list[Decimal]] = defaultdict(list)
        for product_id in by_product:
            rate = cumulative(product_id, upto)
            if rate is not None:
                rates[products[product_id].category].append(rate)
        return {category: _median(values) for category, values in rates.items()}

    end_benchmarks = benchmarks(weeks[-1])
    tail = weeks[-weeks_in_a_row:] if weeks_in_a_row <= len(weeks) else []
    tail_benchmarks = {week: benchmarks(week) for week in tail}
    rows = []
    for product_id, figures in by_product.items():
        product = products[product_id]
        received = sum(r for r, _ in figures.values())
        sold = sum(s for _, s in figures.values())
        under = 0
        for week in reversed(tail):
            rate, bench = cumulative(product_id, week), tail_benchmarks[week].get(product.category)
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


@dataclass
class StoreRow:
    store: Any
    received: int = 0
    sold: int = 0
    registered: int = 0
    grey_market: int = 0
    in_stock: int = 0
    over_180: int = 0
    over_365: int = 0
    weeks: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.sold, self.received)

    @property
    def registration_rate(self) -> Decimal | None:
        return _rate(self.registered, self.sold)

    @property
    def weeks_of_cover(self) -> Decimal | None:
        if not self.sold:
            return None
        return (Decimal(self.in_stock) * self.weeks / Decimal(self.sold)).quantize(Decimal("0.1"))


def _stock_by_store(*, brand: Brand) -> dict[int, dict[str, int]]:
    rows = StoreStockAge.objects.filter(brand=brand).values("store_id", "in_stock", "over_180", "over_365")
    return {row["store_id"]: row for row in rows}


def store_figures(*, brand: Brand, period: Period, scope: Scope) -> list[StoreRow]:
    """Per store: received, sold, registered, grey market over the period; stock and its age at the last
    nightly rebuild."""
    stores = retail_selectors.store_list(brand=brand, country=scope.country)
    if scope.store_id:
        stores = stores.filter(pk=scope.store_id)
    totals = {
        row["store_id"]: row
        for row in _weeks(brand=brand, period=period, scope=scope)
        .values("store_id")
        .annotate(
            received=Sum("received"), sold=Sum("sold"), registered=Sum("registered"), grey=Sum("grey_market")
        )
    }
    stock = _stock_by_store(brand=brand)
    out = []
    for store in stores:
        total, held = totals.get(store.pk, {}), stock.get(store.pk, {})
        if not total and not held and not store.is_active:
            continue
        out.append(
            StoreRow(
                store=store,
                received=total.get("received") or 0,
                sold=total.get("sold") or 0,
                registered=total.get("registered") or 0,
                grey_market=total.get("grey") or 0,
                in_stock=held.get("in_stock") or 0,
                over_180=held.get("over_180") or 0,
                over_365=held.get("over_365") or 0,
                weeks=len(period.weeks),
            )
        )
    return out


@dataclass
class Suggestion:
    item: Any
    days_in_store: int
    sold_here: int
    to_store: Any
    sold_there: int


def transfer_suggestions(*, brand: Brand, period: Period, scope: Scope, limit: int = 50) -> list[Suggestion]:
    """Pieces in stock for more than 180 days, each with the active store of the brand where its product
    sold most over the period (only where that store sold more of it than the piece's own store)."""
    aged = AgedPiece.objects.filter(brand=brand).order_by("in_store_since")
    if scope.store_id:
        aged = aged.filter(store_id=scope.store_id)
    if scope.country:
        aged = aged.filter(
            store_id__in=retail_selectors.store_list(brand=brand, country=scope.country).values("pk")
        )
    if scope.category:
        aged = aged.filter(
            product_id__in=catalog_selectors.product_list(brand=brand, category=scope.category).values("pk")
        )
    oldest = list(aged.values("item_id", "store_id", "product_id", "in_store_since")[: limit * 4])
    if not oldest:
        return []
    # Only pieces still where they were at the last rebuild (a transfer since then removes the suggestion).
    live = inventory_selectors.items_in_stock(brand=brand, item_ids=[row["item_id"] for row in oldest])
    sales = (
        StoreProductWeek.objects.filter(
            brand=brand,
            week__gte=period.start,
            week__lte=period.end,
            sold__gt=0,
            product_id__in={row["product_id"] for row in oldest},
        )
        .order_by()
        .values("store_id", "product_id")
        .annotate(sold=Sum("sold"))
    )
    by_product: dict[int, dict[int, int]] = defaultdict(dict)
    for row in sales:
        by_product[row["product_id"]][row["store_id"]] = row["sold"]
    stores = {s.pk: s for s in retail_selectors.store_list(brand=brand, is_active=True)}
    now = timezone.now()
    out = []
    for row in oldest:
        item = live.get(row["item_id"])
        if item is None or item.current_store_id != row["store_id"]:
            continue
        here = by_product[item.product_id].get(item.current_store_id, 0)
        candidates = [
            (sold, store_id)
            for store_id, sold in by_product[item.product_id].items()
            if store_id != item.current_store_id and store_id in stores and sold > here
        ]
        if not candidates:
            continue
        sold_there, store_id = max(candidates, key=lambda c: (c[0], -c[1]))
        out.append(
            Suggestion(
                item=item,
                days_in_store=(now - row["in_store_since"]).days,
                sold_here=here,
                to_store=stores[store_id],
                sold_there=sold_there,
            )
        )
        if len(out) == limit:
            break
    return out


# --- Product mix ---------------------------------------------------------------------------------------

CHANNEL_LABELS = {"store": gettext_lazy("In store"), "web": gettext_lazy("Online")}
DIMENSIONS = {
    "collection": gettext_lazy("Collection"),
    "category": gettext_lazy("Category"),
    "metal": gettext_lazy("Metal"),
    "price_band": gettext_lazy("Price band"),
    "country": gettext_lazy("Country"),
    "store": gettext_lazy("Store"),
    "channel": gettext_lazy("Channel"),
}


def price_band_limits(*, brand: Brand) -> list[int]:
    settings = InsightsSettings.objects.filter(brand=brand).first()
    return list(settings.price_band_limits) if settings else default_price_bands()


@dataclass
class MixRow:
    key: str
    label: str
    units: int = 0
    revenue: Decimal = Decimal(0)
    share: Decimal = Decimal(0)

    @property
    def average_price(self) -> Decimal | None:
        return (self.revenue / self.units).quantize(Decimal("0.01")) if self.units else None


@dataclass
class ProductMix:
    dimension: str
    currency: str
    rows: list[MixRow]
    units: int
    revenue: Decimal
    band_labels: list[str]
    matrix: list[dict[str, Any]]  # per country: revenue share of each price band against the brand's


def _band_expression(limits: list[int]) -> Any:
    from django.db.models import Case, IntegerField, Value, When

    whens = [When(product__price__isnull=True, then=Value(-1))]
    whens += [When(product__price__lt=limit, then=Value(index)) for index, limit in enumerate(limits)]
    return Case(*whens, default=Value(len(limits)), output_field=IntegerField())


def _mix_from_rollup(
    *, brand: Brand, period: Period, scope: Scope, dimension: str
) -> tuple[list[dict[str, Any]], list[tuple[str, int, Decimal]]]:
    """The nightly `MixWeek` rows of the page's slice (whole brand, a country, a category or both)."""
    from segmentation.insights.models import MixWeek

    rows = MixWeek.objects.filter(
        brand=brand,
        week__gte=period.start,
        week__lte=period.end,
        country=scope.country.upper(),
        category=scope.category,
        dimension__in=(dimension, "country_band"),
    ).order_by()
    grouped, band_cells = [], []
    for row in rows.values("dimension", "key").annotate(units=Sum("units"), revenue=Sum("revenue")):
        if row["dimension"] == "country_band":
            code, _sep, index = row["key"].partition(":")
            band_cells.append((code, int(index), row["revenue"]))
            if dimension != "country_band":
                continue
        key: Any = row["key"]
        if dimension == "price_band":
            key = int(key)
        elif dimension == "store":
            key = int(key) if key else None
        grouped.append({"key": key, "units": row["units"], "revenue": row["revenue"]})
    return grouped, band_cells


def _mix_from_sales(
    *, brand: Brand, period: Period, scope: Scope, dimension: str, limits: list[int]
) -> tuple[list[dict[str, Any]], list[tuple[str, int, Decimal]]]:
    """The same figures grouped from the weekly sales per product (one store, or bands just edited)."""
    from django.db.models import F

    sales = SalesWeek.objects.filter(brand=brand, week__gte=period.start, week__lte=period.end)
    if scope.store_id:
        sales = sales.filter(store_id=scope.store_id)
    if scope.country:
        sales = sales.filter(country=scope.country.upper())
    if scope.category:
        sales = sales.filter(product__category=scope.category)
    band = _band_expression(limits)
    keys = {
        "collection": F("product__collection"),
        "category": F("product__category"),
        "metal": F("product__metal"),
        "price_band": band,
        "country": F("country"),
        "store": F("store_id"),
        "channel": F("channel"),
    }
    grouped = list(
        sales.order_by().values(key=keys[dimension]).annotate(units=Sum("units"), revenue=Sum("revenue"))
    )
    band_cells = [
        (cell["country"], cell["b"], cell["revenue"])
        for cell in sales.exclude(country="")
        .order_by()
        .values("country", b=band)
        .annotate(revenue=Sum("revenue"))
    ]
    return grouped, band_cells


def product_mix(*, brand: Brand, period: Period, scope: Scope, dimension: str) -> ProductMix:
    """Units, revenue (net, brand currency) and average price by one dimension over the period, and which
    price bands over-perform in which country (index 100 = the brand's own mix). Grouped in SQL: the page
    reads a handful of rows whatever the size of the brand."""

    limits = price_band_limits(brand=brand)
    band_labels = price_band_labels(limits, brand.default_currency)
    refresh = last_refresh(brand=brand)
    if not scope.store_id and refresh is not None and list(refresh.price_band_limits) == limits:
        grouped, band_cells = _mix_from_rollup(brand=brand, period=period, scope=scope, dimension=dimension)
    else:
        # One store, or price bands edited since the last rebuild: from the weekly sales per product.
        grouped, band_cells = _mix_from_sales(
            brand=brand, period=period, scope=scope, dimension=dimension, limits=limits
        )
    stores = {s.pk: s.name for s in retail_selectors.store_list(brand=brand)} if dimension == "store" else {}
    country_names = dict(countries)
    categories = dict(Category.choices)

    def label(key: Any) -> str:
        if dimension == "collection":
            return key or _("No collection")
        if dimension == "category":
            return str(categories.get(key, key))
        if dimension == "metal":
            return key or _("Not given")
        if dimension == "price_band":
            return band_labels[key] if key is not None and key >= 0 else _("No public price")
        if dimension == "country":
            return str(country_names.get(key, key)) if key else _("Unknown")
        if dimension == "store":
            return stores.get(key, "") if key else _("Online")
        return str(CHANNEL_LABELS.get(key, (key or "").capitalize()))

    rows = [
        MixRow(
            key=str(g["key"] if g["key"] is not None else ""),
            label=label(g["key"]),
            units=g["units"] or 0,
            revenue=g["revenue"] or Decimal(0),
        )
        for g in grouped
    ]
    units = sum(r.units for r in rows)
    revenue = sum((r.revenue for r in rows), Decimal(0))
    for row in rows:
        row.share = (row.revenue / revenue).quantize(Decimal("0.0001")) if revenue else Decimal(0)

    by_country_band: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for code, band_index, value in band_cells:
        if band_index >= 0:
            by_country_band[code][band_index] += value or Decimal(0)
    band_totals: dict[int, Decimal] = defaultdict(Decimal)
    for bands in by_country_band.values():
        for index, value in bands.items():
            band_totals[index] += value
    all_bands = sum(band_totals.values(), Decimal(0))
    matrix = []
    for code, bands in sorted(by_country_band.items(), key=lambda kv: -sum(kv[1].values())):
        country_total = sum(bands.values(), Decimal(0))
        cells = []
        for index in range(len(band_labels)):
            if not country_total or not band_totals.get(index) or not all_bands:
                cells.append(None)
                continue
            value = (bands.get(index, Decimal(0)) / country_total) / (band_totals[index] / all_bands) * 100
            cells.append(int(value.quantize(Decimal(1))))
        matrix.append({"country": str(country_names.get(code, code)), "code": code, "cells": cells})
    return ProductMix(
        dimension=dimension,
        currency=brand.default_currency,
        rows=sorted(rows, key=lambda r: (-r.revenue, r.label)),
        units=units,
        revenue=revenue,
        band_labels=band_labels,
        matrix=matrix,
    )


@dataclass
class GreyMarket:
    weeks: list[date]
    countries: list[tuple[str, str]]  # (code, name), most grey-market registrations first
    cells: dict[tuple[date, str], int]  # (week, country code) -> registrations

    def series(self, code: str) -> list[int]:
        return [self.cells.get((week, code), 0) for week in self.weeks]

    def week_total(self, week: date) -> int:
        return sum(self.cells.get((week, code), 0) for code, _name in self.countries)


def grey_market_by_week(*, brand: Brand, period: Period, scope: Scope) -> GreyMarket:
    """Grey-market registrations per week and country of the store over the period (one grouped query)."""
    rows = (
        _weeks(brand=brand, period=period, scope=scope)
        .filter(grey_market__gt=0)
        .values("week", "store__country")
        .annotate(grey=Sum("grey_market"))
    )
    cells: dict[tuple[date, str], int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        code = str(row["store__country"] or "")
        cells[(row["week"], code)] += row["grey"] or 0
        totals[code] += row["grey"] or 0
    names = dict(countries)
    ordered = sorted(totals, key=lambda code: (-totals[code], code))
    return GreyMarket(
        weeks=period.weeks,
        countries=[(code, str(names.get(code, code))) for code in ordered],
        cells=dict(cells),
    )
