"""Reads of the customer list and the customer 360 page: customers (through customers.selectors) joined
with what the warranties app knows (items, registrations, interventions, item events)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core import signing
from django.db.models import BooleanField, Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers import clientbook
from customers import selectors as customer_selectors
from jewelcrm import labels as value_labels
from jewelcrm.accounts.models import Brand
from jewelcrm.labels import event_label
from warranties.customer_360.labels import TIMELINE_LABELS
from warranties.inventory.models import Item
from warranties.models import Intervention, ItemEvent, Registration

PAGE_SIZE = 25


# The customer list sorts by these columns of the customer row (the primary key last, so the order is
# total): each is a non-null column, so a page continues after the last row shown (keyset pagination)
# and a million customers page as fast as a hundred.
SORTS = {
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "country": ("country", "last_name", "first_name"),
    "since": ("created_at",),
}
COUNT_CAP = 1000


@dataclass
class ListFilters:
    query: str = ""
    country: str = ""
    home_store_id: int | None = None
    consent_channel: str = ""
    tag: str = ""
    has_items: str = ""  # "", "yes", "no"
    sort: str = "name"  # a key of SORTS, "-" first for descending

    @classmethod
    def from_params(cls, params: Any) -> ListFilters:
        store = (params.get("store") or "").strip()
        return cls(
            query=(params.get("q") or "").strip()[:100],
            country=(params.get("country") or "").strip()[:2].upper(),
            home_store_id=int(store) if store.isdigit() else None,
            consent_channel=(params.get("consent") or "").strip()[:16],
            tag=(params.get("tag") or "").strip()[:40],
            has_items=(params.get("items") or "").strip() if params.get("items") in ("yes", "no") else "",
            sort=params.get("sort") if params.get("sort", "").lstrip("-") in SORTS else "name",
        )


def customer_list_filtered(*, brand: Brand, filters: ListFilters) -> QuerySet:
    """The brand's customers matching the search (name, e-mail, phone, or an item serial) and filters,
    annotated with their number of items, with the home store. One query."""
    owners_by_serial = None
    if filters.query:
        # Serials are stored upper-case without spaces (inventory services and import): an equality,
        # which row-level security lets the (brand, serial) index answer, unlike UPPER(serial) = ….
        owners_by_serial = Item.objects.filter(
            brand=brand, serial="".join(filters.query.split()).upper(), owner__isnull=False
        ).values("owner_id")
    qs = customer_selectors.customer_search(
        brand=brand,
        query=filters.query,
        country=filters.country,
        home_store_id=filters.home_store_id,
        consent_channel=filters.consent_channel,
        tag=filters.tag,
        or_ids=owners_by_serial,
    )
    owned = Item.objects.filter(brand=brand, owner=OuterRef("pk"))
    if filters.has_items == "yes":
        qs = qs.filter(Exists(owned))
    elif filters.has_items == "no":
        qs = qs.exclude(Exists(owned))
    item_count = owned.order_by().values("owner").annotate(n=Count("pk")).values("n")
    descending = filters.sort.startswith("-")
    columns = [f"-{c}" if descending else c for c in SORTS[filters.sort.lstrip("-")]]
    return qs.annotate(item_count=Coalesce(Subquery(item_count[:1]), 0)).order_by(
        *columns, "-pk" if descending else "pk"
    )


@dataclass
class CustomerPage:
    customers: list[Any]
    next_cursor: str  # "" on the last page
    is_first: bool
    count: int  # exact up to COUNT_CAP
    is_count_capped: bool


def _sort_key(customer: Any, sort: str) -> list[Any]:
    values = [getattr(customer, column) for column in SORTS[sort.lstrip("-")]]
    return [v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values] + [customer.pk]


def _searched_by_name(filters: ListFilters) -> bool:
    """A search with no other filter, in the default order: its pages are read in the order of the
    search-term index (matched word, then name: ADR 0048), however many profiles match."""
    return (
        bool(filters.query)
        and filters.sort == "name"
        and not (
            filters.country
            or filters.home_store_id
            or filters.consent_channel
            or filters.tag
            or filters.has_items
        )
    )


def _search_page(*, brand: Brand, filters: ListFilters, after: str, size: int) -> CustomerPage:
    from dataclasses import replace

    from customers.search_terms import ordered_page

    key = None
    if after:
        try:
            key = signing.loads(after, salt="customer-search")
        except signing.BadSignature:
            key = None
        if not isinstance(key, list) or len(key) != 4:
            key = None
    serial = "".join(filters.query.split()).upper()
    owners_sql, owners_params = (
        Item.objects.filter(brand=brand, serial=serial, owner__isnull=False)
        .values("owner_id")
        .order_by()
        .query.sql_with_params()
    )
    rows, count = ordered_page(
        brand_id=brand.pk,
        query=filters.query,
        after=key,
        size=size,
        or_sql=owners_sql,
        or_params=owners_params,
        count_cap=COUNT_CAP,
    )
    more = len(rows) > size
    rows = rows[:size]
    ids = [row[3] for row in rows]
    unfiltered = customer_list_filtered(brand=brand, filters=replace(filters, query=""))
    # Read even when the page is empty (a list of ids, not `pk__in=[]`): the same statements every time.
    found = {c.pk: c for c in unfiltered.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))}  # noqa: S611
    return CustomerPage(
        customers=[found[pk] for pk in ids if pk in found],
        next_cursor=signing.dumps(list(rows[-1]), salt="customer-search") if more else "",
        is_first=key is None,
        count=min(count, COUNT_CAP),
        is_count_capped=count > COUNT_CAP,
    )


def customer_page(
    *, brand: Brand, filters: ListFilters, after: str = "", size: int = PAGE_SIZE
) -> CustomerPage:
    """One page of the filtered list after the row `after` (a signed cursor; "" for the first page):
    WHERE (sort columns, id) > (the last row's values) ORDER BY them LIMIT size + 1, served by the
    (brand, sort columns) indexes. The count stops at COUNT_CAP. A fixed number of queries. A search
    without other filters pages in the order of the search-term index (`_search_page`)."""
    if _searched_by_name(filters):
        return _search_page(brand=brand, filters=filters, after=after, size=size)
    base = customer_list_filtered(brand=brand, filters=filters)
    qs = base
    values = None
    if after:
        try:
            values = signing.loads(after, salt="customer-list")
        except signing.BadSignature:
            values = None
        if not isinstance(values, list) or len(values) != len(SORTS[filters.sort.lstrip("-")]) + 1:
            values = None
    if values is not None:
        table = base.model._meta.db_table
        columns = ", ".join(f'"{table}"."{c}"' for c in (*SORTS[filters.sort.lstrip("-")], "id"))
        operator = "<" if filters.sort.startswith("-") else ">"
        placeholders = ", ".join(["%s"] * len(values))
        # Column names come from SORTS only; the cursor's values are bound parameters.
        qs = qs.filter(
            RawSQL(f"({columns}) {operator} ({placeholders})", values, output_field=BooleanField())  # noqa: S611
        )
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    capped_total = (
        customer_list_filtered(brand=brand, filters=filters).order_by().values("pk")[: COUNT_CAP + 1]
    )
    count = capped_total.count()
    return CustomerPage(
        customers=rows,
        next_cursor=signing.dumps(_sort_key(rows[-1], filters.sort), salt="customer-list") if more else "",
        is_first=values is None,
        count=min(count, COUNT_CAP),
        is_count_capped=count > COUNT_CAP,
    )


# --- The 360 page -------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _aware(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    label: Any
    detail: str = ""


def customer_items(*, brand: Brand, customer: Any, today: date) -> list[dict[str, Any]]:
    """Items the person owns, with the warranty status of the current registration and the service status."""
    items = list(Item.objects.filter(brand=brand, owner=customer).select_related("product", "current_store"))
    registrations = {
        r.item_id: r
        for r in Registration.objects.filter(brand=brand, item__in=items, is_current=True).select_related(
            "store"
        )
    }
    last_service: dict[int, date] = {}
    for item_id, received in Intervention.objects.filter(brand=brand, item__in=items).values_list(
        "item_id", "received_on"
    ):
        if item_id not in last_service or received > last_service[item_id]:
            last_service[item_id] = received
    rows = []
    for item in items:
        registration = registrations.get(item.pk)
        under_warranty = bool(registration and registration.warranty_ends_on >= today)
        interval = item.product.service_interval_months
        service_due = None
        base = last_service.get(item.pk) or (registration.sold_on if registration else None)
        if interval and base:
            service_due = _add_months(base, interval)
        rows.append(
            {
                "item": item,
                "registration": registration,
                "under_warranty": under_warranty,
                "warranty_ends_on": registration.warranty_ends_on if registration else None,
                "last_service": last_service.get(item.pk),
                "service_due": service_due,
                "is_service_due": bool(service_due and service_due <= today),
            }
        )
    return rows


def customer_360(*, brand: Brand, customer: Any, today: date) -> dict[str, Any]:
    """Everything the 360 page shows. A fixed number of queries whatever the size of the history."""
    items = customer_items(brand=brand, customer=customer, today=today)
    item_ids = [row["item"].pk for row in items]
    registrations = list(
        Registration.objects.filter(brand=brand, customer=customer)
        .select_related("item", "store")
        .order_by("-sold_on")
    )
    interventions = list(
        Intervention.objects.filter(brand=brand, item_id__in=item_ids)
        .select_related("item", "store")
        .order_by("-received_on", "-id")
    )
    orders = list(customer_selectors.order_list(brand=brand, customer=customer))
    customer_selectors.order_values_in_brand_currency(brand=brand, orders=orders)
    ledger = list(customer_selectors.consent_ledger(brand=brand, customer=customer))
    events = list(
        ItemEvent.objects.filter(brand=brand, item_id__in=item_ids)
        .select_related("item", "store")
        .order_by("-at")[:100]
    )
    relations = list(customer_selectors.relation_list(brand=brand, customer=customer))
    dates = clientbook.upcoming_dates(
        brand=brand,
        customers=customer_selectors.customer_list(brand=brand).filter(pk=customer.pk),
        today=today,
        days=365,
    )

    timeline: list[TimelineEntry] = []
    for r in registrations:
        timeline.append(
            TimelineEntry(
                _aware(r.registered_at),
                "registration",
                TIMELINE_LABELS["registration"],
                f"{r.item.serial} · {r.store.name}",
            )
        )
    for o in orders:
        detail = (
            f"{o.get_source_display()} {o.external_id} · {o.total} {o.currency} · {o.get_status_display()}"
        )
        timeline.append(TimelineEntry(o.ordered_at, "order", TIMELINE_LABELS["order"], detail))
    for i in interventions:
        timeline.append(
            TimelineEntry(
                _aware(i.received_on),
                "intervention",
                TIMELINE_LABELS["intervention"],
                f"{i.get_kind_display()} · {i.item.serial} · {i.get_status_display()}",
            )
        )
    for c in ledger:
        label = TIMELINE_LABELS["consent_granted" if c.is_granted else "consent_withdrawn"]
        confirmed = " ✓" if c.is_confirmed else ""
        timeline.append(
            TimelineEntry(
                c.at,
                "consent",
                label,
                f"{c.get_channel_display()}{confirmed} · {value_labels.label('consent_purpose', c.purpose)}"
                f" · {c.get_source_display()}",
            )
        )
    for e in events:
        timeline.append(TimelineEntry(e.at, "item_event", event_label(e.kind, e.data), e.item.serial))
    timeline.sort(key=lambda t: t.at, reverse=True)

    return {
        "items": items,
        "registrations": registrations,
        "interventions": interventions,
        "orders": orders,
        "purchase_summary": customer_selectors.customer_purchase_summary(
            brand=brand, customer=customer, orders=orders
        ),
        "consent_status": customer_selectors.consent_status_table(brand=brand, customer=customer),
        "ledger": ledger,
        "relations": relations,
        "dates": dates,
        "timeline": timeline[:200],
    }
