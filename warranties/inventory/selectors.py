"""Reads of items, movements and stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.retail.markets import market_countries
from warranties.inventory.codes import public_code_normalise, public_code_prefix
from warranties.inventory.models import Item, ItemStatus, StockMovement


def _serial_key(query: str) -> str:
    return "".join((query or "").split()).upper()


def _items_with_serial(*, brand: Brand, serial: str) -> Item | None:
    """Index look-ups first: serials are stored upper-cased by item_create, so equality usually finds
    them on the (brand, serial) unique index. Row-level security keeps a non-leakproof UPPER() out of
    index conditions, so the case-insensitive scan is only the fallback for serials stored otherwise."""
    items = Item.objects.filter(brand=brand).select_related("product", "current_store", "shipped_to_store")
    key = _serial_key(serial)
    if not key:
        return None
    for candidate in dict.fromkeys([key, serial.strip()]):
        found = items.filter(serial=candidate).order_by().first()
        if found is not None:
            return found
    return items.annotate(serial_upper=Upper("serial")).filter(serial_upper=key).order_by().first()


def item_find(*, brand: Brand, query: str) -> Item | None:
    """The brand's item with this serial or public code (case, spacing and ambiguous-letter tolerant)."""
    query = (query or "").strip()
    if not query:
        return None
    code = public_code_normalise(query)
    if code is not None and public_code_prefix(code) == str(brand.code_prefix).upper():
        found = (
            Item.objects.filter(brand=brand, public_code=code)
            .select_related("product", "current_store", "shipped_to_store")
            .order_by()
            .first()
        )
        if found is not None:
            return found
    return _items_with_serial(brand=brand, serial=query)


def item_get(*, brand: Brand, item_id: int) -> Item | None:
    return (
        Item.objects.filter(brand=brand, pk=item_id)
        .select_related("product", "current_store", "shipped_to_store", "current_store__retailer")
        .first()
    )


def item_get_by_serial(*, brand: Brand, serial: str) -> Item | None:
    return _items_with_serial(brand=brand, serial=serial or "")


def item_list(
    *,
    brand: Brand,
    search: str = "",
    product_id: int | None = None,
    collection: str = "",
    status: str = "",
    store_id: int | None = None,
) -> QuerySet[Item]:
    """Items with their product and store, in two queries whatever the page size."""
    items = Item.objects.filter(brand=brand).select_related("product", "current_store")
    search = (search or "").strip()
    if search:
        condition = Q(serial__icontains=_serial_key(search))
        code = public_code_normalise(search)
        if code is not None:
            condition |= Q(public_code=code)
        items = items.filter(condition)
    if product_id:
        items = items.filter(product_id=product_id)
    if collection:
        items = items.filter(product__collection=collection)
    if status:
        items = items.filter(status=status)
    if store_id:
        items = items.filter(current_store_id=store_id)
    return items.order_by("serial")


def item_list_at_store(*, brand: Brand, store: Any, search: str = "") -> QuerySet[Item]:
    """The private stock list of one store: what is in stock there now."""
    items = Item.objects.filter(brand=brand, current_store=store, status=ItemStatus.IN_STOCK).select_related(
        "product"
    )
    search = (search or "").strip()
    if search:
        condition = Q(serial__icontains=_serial_key(search)) | Q(product__reference__icontains=search)
        condition |= Q(product__name_en__icontains=search) | Q(product__name_fr__icontains=search)
        code = public_code_normalise(search)
        if code is not None:
            condition |= Q(public_code=code)
        items = items.filter(condition)
    return items.order_by("product__reference", "serial")


def item_list_at_brand(*, brand: Brand, search: str = "") -> QuerySet[Item]:
    """Items still in the brand's own stock, which the brand may ship to a store."""
    items = Item.objects.filter(brand=brand, current_store__isnull=True, status=ItemStatus.IN_STOCK)
    if search.strip():
        items = items.filter(
            Q(serial__icontains=_serial_key(search)) | Q(product__reference__icontains=search.strip())
        )
    return items.select_related("product").order_by("serial")


def movement_list_for_item(*, brand: Brand, item: Item) -> QuerySet[StockMovement]:
    return (
        StockMovement.objects.filter(brand=brand, item=item)
        .select_related("from_store", "to_store", "created_by")
        .order_by("-sent_at", "-id")
    )


def movement_list_incoming(*, brand: Brand, store: Any) -> QuerySet[StockMovement]:
    """Shipments and transfers on their way to the store, waiting for it to confirm receipt."""
    return (
        StockMovement.objects.filter(
            brand=brand, to_store=store, received_at__isnull=True, item__status=ItemStatus.IN_TRANSIT
        )
        .select_related("item", "item__product", "from_store")
        .order_by("sent_at", "id")
    )


def movement_get_to_store(*, brand: Brand, store: Any, movement_id: int) -> StockMovement | None:
    """A movement addressed to the store, received or not (a second tap on "Received" is harmless)."""
    return (
        StockMovement.objects.filter(brand=brand, to_store=store, pk=movement_id)
        .select_related("item", "item__product", "from_store")
        .first()
    )


def movement_get_incoming(*, brand: Brand, store: Any, movement_id: int) -> StockMovement | None:
    return movement_list_incoming(brand=brand, store=store).filter(pk=movement_id).first()


def movement_list_outgoing(*, brand: Brand, store: Any) -> QuerySet[StockMovement]:
    """Transfers the store sent that the other store has not received yet."""
    return (
        StockMovement.objects.filter(brand=brand, from_store=store, received_at__isnull=True)
        .select_related("item", "item__product", "to_store")
        .order_by("-sent_at")
    )


def item_grey_market_reason(*, item: Item, store: Any) -> str:
    """Why a sale of `item` by `store` is outside the item's allocation, or "" when it is not.

    The allocation is the store the item was shipped to (or, for an item never shipped, the store holding it).
    """
    allocated_id = item.shipped_to_store_id or item.current_store_id
    if allocated_id is None or store is None or allocated_id == store.pk:
        return ""
    allocated = item.shipped_to_store or item.current_store
    country = str(store.country).upper()
    markets = market_countries(market=allocated.market, home_country=str(allocated.country))
    if country not in markets:
        return _(
            "Registered in %(country)s by %(store)s, outside the market of %(allocated)s (%(market)s)."
        ) % {
            "country": country,
            "store": store.code,
            "allocated": allocated.code,
            "market": allocated.market or str(allocated.country),
        }
    return _("Shipped to %(allocated)s (%(name)s) but registered by %(store)s (%(store_name)s).") % {
        "allocated": allocated.code,
        "name": allocated.name,
        "store": store.code,
        "store_name": store.name,
    }


# --- Stock by store --------------------------------------------------------------------------------

STOCK_STATUSES = [s.value for s in ItemStatus]


@dataclass
class StockRow:
    store: Any  # None: the brand's own stock (items not yet shipped)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in STOCK_STATUSES]


def _stock_now(*, brand: Brand) -> list[dict[str, Any]]:
    return list(
        Item.objects.filter(brand=brand)
        .values(loc=F("current_store_id"), state=F("status"))
        .annotate(n=Count("id"))
        .order_by()
    )


def _stock_as_of(*, brand: Brand, as_of: datetime) -> list[dict[str, Any]]:
    """Rebuild each item's place and state at `as_of` from its movements (and sales, if any)."""
    last = StockMovement.objects.filter(brand=brand, item=OuterRef("pk"), sent_at__lte=as_of).order_by(
        "-sent_at", "-id"
    )
    registrations = Item._meta.get_field("registrations").related_model
    sold = registrations.objects.filter(item=OuterRef("pk"), sold_on__lte=as_of.date())
    items = (
        Item.objects.filter(brand=brand, created_at__lte=as_of)
        .annotate(
            loc=Subquery(last.values("to_store_id")[:1]),
            received=Subquery(last.values("received_at")[:1]),
            is_sold=Exists(sold),
        )
        .annotate(
            state=Case(
                When(is_sold=True, then=Value(ItemStatus.SOLD.value)),
                When(loc__isnull=True, then=Value(ItemStatus.IN_STOCK.value)),
                When(received__isnull=True, then=Value(ItemStatus.IN_TRANSIT.value)),
                When(received__gt=as_of, then=Value(ItemStatus.IN_TRANSIT.value)),
                default=Value(ItemStatus.IN_STOCK.value),
                output_field=CharField(),
            )
        )
    )
    return list(items.values("loc", "state").annotate(n=Count("id")).order_by())


def stock_by_store(*, brand: Brand, as_of: datetime | None = None) -> list[StockRow]:
    """Counts of items per store and status, now (from the items) or at any past moment (from the movements).

    The first row (store None) is the brand's own stock; every store of the brand has a row, even empty.
    Two queries whatever the number of stores and items.
    """
    groups = _stock_now(brand=brand) if as_of is None else _stock_as_of(brand=brand, as_of=as_of)
    stores = list(retail_selectors.store_list(brand=brand))
    rows = {None: StockRow(store=None)}
    rows.update({store.pk: StockRow(store=store) for store in stores})
    for group in groups:
        row = rows.get(group["loc"])
        if row is not None:
            row.counts[group["state"]] = row.counts.get(group["state"], 0) + group["n"]
    return list(rows.values())


def receipt_facts(*, brand: Brand) -> QuerySet[StockMovement]:
    """One row per piece a store confirmed it received: store_id, product_id, day (brand's time zone).

    For set-based aggregation (the insights tables); the queryset is meant to be used as a subquery.
    """
    from zoneinfo import ZoneInfo

    from django.db.models.functions import TruncDate

    return (
        StockMovement.objects.filter(brand=brand, to_store__isnull=False, received_at__isnull=False)
        .order_by()
        .values(
            store_id=F("to_store_id"),
            product_id=F("item__product_id"),
            day=TruncDate("received_at", tzinfo=ZoneInfo(brand.time_zone)),
        )
    )


def stock_age_facts(*, brand: Brand) -> QuerySet[Item]:
    """One row per piece in stock now: item_id, store_id, product_id, in_store_since (its last receipt there).

    For set-based aggregation (the insights tables); the queryset is meant to be used as a subquery.
    """
    last_receipt = (
        StockMovement.objects.filter(brand=brand, item=OuterRef("pk"), to_store=OuterRef("current_store"))
        .exclude(received_at__isnull=True)
        .order_by("-received_at")
        .values("received_at")[:1]
    )
    return (
        Item.objects.filter(brand=brand, status=ItemStatus.IN_STOCK, current_store__isnull=False)
        .order_by()
        .values(
            "product_id",
            item_id=F("pk"),
            store_id=F("current_store_id"),
            in_store_since=Subquery(last_receipt),
        )
    )


def items_in_stock(*, brand: Brand, item_ids: list[int]) -> dict[int, Item]:
    """The pieces among `item_ids` that are still in stock in a store, with their product and store."""
    items = Item.objects.filter(
        brand=brand, pk__in=item_ids, status=ItemStatus.IN_STOCK, current_store__isnull=False
    ).select_related("product", "current_store")
    return {item.pk: item for item in items}
