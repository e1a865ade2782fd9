"""The product mix by one dimension and the country × price band index."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from jewelcrm.accounts.models import Brand
from jewelcrm.catalog.models import Category
from jewelcrm.retail import selectors as retail_selectors
from segmentation.insights.models import InsightsSettings, SalesWeek, default_price_bands
from segmentation.insights.selectors.base import Period, Scope, last_refresh
from segmentation.labels import price_band_labels

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
