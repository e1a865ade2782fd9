"""Per-store figures, stock ageing, transfer suggestions and grey-market registrations by week."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django_countries import countries

from jewelcrm.accounts.models import Brand
from jewelcrm.catalog import selectors as catalog_selectors
from jewelcrm.retail import selectors as retail_selectors
from segmentation.insights.models import AgedPiece, StoreProductWeek, StoreStockAge, StoreWeek
from segmentation.insights.selectors.base import Period, Scope, _rate, _weeks
from warranties.inventory import selectors as inventory_selectors


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


def _store_weeks(*, brand: Brand, period: Period, scope: Scope) -> Any:
    """The weekly figures per store: from `StoreWeek` (a row per store and week), or summed from the
    store × product rows when a category narrows the products."""
    if scope.category:
        return _weeks(brand=brand, period=period, scope=scope)
    rows = StoreWeek.objects.filter(brand=brand, week__gte=period.start, week__lte=period.end)
    if scope.store_id:
        rows = rows.filter(store_id=scope.store_id)
    if scope.country:
        rows = rows.filter(
            store_id__in=retail_selectors.store_list(brand=brand, country=scope.country).values("pk")
        )
    return rows.order_by()


def store_figures(*, brand: Brand, period: Period, scope: Scope) -> list[StoreRow]:
    """Per store: received, sold, registered, grey market over the period; stock and its age at the last
    nightly rebuild."""
    stores = retail_selectors.store_list(brand=brand, country=scope.country)
    if scope.store_id:
        stores = stores.filter(pk=scope.store_id)
    totals = {
        row["store_id"]: row
        for row in _store_weeks(brand=brand, period=period, scope=scope)
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
        _store_weeks(brand=brand, period=period, scope=scope)
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
