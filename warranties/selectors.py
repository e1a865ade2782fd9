"""Reads of the warranty core: registrations, interventions, claims, payouts, recognition look-ups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from customers import selectors as customer_selectors
from customers.models import Customer
from jewelcrm.accounts.models import Brand
from warranties.inventory.models import Item
from warranties.models import (
    ClaimStatus,
    Intervention,
    InterventionKind,
    InterventionStatus,
    ItemEvent,
    Registration,
    RegistrationKind,
    WarrantyClaim,
)

OPEN_INTERVENTION_STATUSES = (
    InterventionStatus.RECEIVED,
    InterventionStatus.IN_WORKSHOP,
    InterventionStatus.READY,
)
PAID_CLAIM_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED)


def item_find(*, brand: Brand, query: str, for_update: bool = False) -> Item | None:
    """An item of the brand by serial or public code (contract C6); None for unknown or foreign ones.

    `for_update=True`: the item and its product only, read under a row lock held until the end of the
    transaction (the sale registration reads it once this way).
    """
    from warranties.inventory.selectors import item_find as inventory_item_find

    query = (query or "").strip()
    if not query:
        return None
    # Fast path on the (brand, serial) unique index: a scanner types the serial exactly as printed.
    items = Item.objects.filter(brand=brand, serial=query).order_by()
    if for_update:
        items = items.select_related("product").select_for_update(of=("self",))
    else:
        items = items.select_related("product", "current_store", "shipped_to_store")
    exact = next(iter(items[:1]), None)
    if exact is not None:
        return exact
    found = inventory_item_find(brand=brand, query=query)
    return item_lock(item_id=found.pk) if found is not None and for_update else found


def item_lock(*, item_id: int) -> Item:
    """The item, with its product, read under a row lock held until the end of the transaction."""
    return Item.objects.select_related("product").select_for_update(of=("self",)).get(pk=item_id)


def registration_get(*, brand: Brand, registration_id: int) -> Registration | None:
    return (
        Registration.objects.filter(brand=brand, pk=registration_id)
        .select_related(
            "item", "item__product", "customer", "store", "store__retailer", "associate", "gift_recipient"
        )
        .first()
    )


def registration_get_by_key(*, brand: Brand, key: str) -> Registration | None:
    """The registration made with this idempotency key (no ORDER BY: the unique index answers)."""
    if not key:
        return None
    return next(iter(Registration.objects.filter(brand=brand, idempotency_key=key).order_by()[:1]), None)


def registration_current(*, brand: Brand, item: Item) -> Registration | None:
    return (
        Registration.objects.filter(brand=brand, item=item, is_current=True)
        .select_related("customer", "store")
        .first()
    )


@dataclass
class RegistrationFilters:
    date_from: date | None = None
    date_to: date | None = None
    store_id: int | None = None
    country: str = ""
    product_id: int | None = None
    is_gift: bool | None = None
    is_grey_market: bool | None = None
    kind: str | None = "sale"  # sales only by default; None: sales and ownership transfers


def registration_list(*, brand: Brand, filters: RegistrationFilters | None = None) -> QuerySet[Registration]:
    """Registrations of the brand (sales by default), newest first, with what a list shows (fixed query
    count). A sale stays listed after its piece changed owner; the transfer is a registration of its own."""
    f = filters or RegistrationFilters()
    qs = Registration.objects.filter(brand=brand)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.date_from:
        qs = qs.filter(sold_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(sold_on__lte=f.date_to)
    if f.store_id:
        qs = qs.filter(store_id=f.store_id)
    if f.country:
        qs = qs.filter(store__country=f.country.upper())
    if f.product_id:
        qs = qs.filter(item__product_id=f.product_id)
    if f.is_gift is not None:
        qs = qs.filter(is_gift=f.is_gift)
    if f.is_grey_market is not None:
        qs = qs.filter(is_grey_market=f.is_grey_market)
    return qs.select_related("item", "item__product", "customer", "store").order_by("-registered_at", "-id")


def registration_counts_by_month(
    *, brand: Brand, months: int = 12, today: date | None = None
) -> list[dict[str, Any]]:
    """[{"month": "2026-01", "count": 12}, ...] for the last `months` months, gaps filled with 0."""
    today = today or timezone.localdate()
    first = date(today.year, today.month, 1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    rows = (
        Registration.objects.filter(brand=brand, kind="sale", sold_on__gte=first)
        .annotate(month=TruncMonth("sold_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    found = {(r["month"].year, r["month"].month): r["n"] for r in rows}
    out, cursor = [], first
    for _i in range(months):
        out.append({"month": f"{cursor:%Y-%m}", "count": found.get((cursor.year, cursor.month), 0)})
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return out


# --- Recognition ----------------------------------------------------------------------------------


@dataclass
class PieceView:
    item: Item
    registration: Registration | None
    interventions: list[Intervention] = field(default_factory=list)

    @property
    def is_under_warranty(self) -> bool:
        return bool(self.registration and self.registration.is_under_warranty)


def pieces_of_items(*, brand: Brand, items: QuerySet[Item] | list[Item]) -> list[PieceView]:
    ids = [i.pk for i in items]
    registrations = {
        r.item_id: r
        for r in Registration.objects.filter(brand=brand, item_id__in=ids, is_current=True).select_related(
            "store"
        )
    }
    interventions: dict[int, list[Intervention]] = defaultdict(list)
    for intervention in Intervention.objects.filter(brand=brand, item_id__in=ids).select_related("store"):
        interventions[intervention.item_id].append(intervention)
    return [
        PieceView(item=i, registration=registrations.get(i.pk), interventions=interventions[i.pk])
        for i in items
    ]


def customer_pieces(*, brand: Brand, customer: Customer) -> list[PieceView]:
    items = list(Item.objects.filter(brand=brand, owner=customer).select_related("product", "current_store"))
    return pieces_of_items(brand=brand, items=items)


def item_timeline(*, brand: Brand, item: Item) -> QuerySet[ItemEvent]:
    return ItemEvent.objects.filter(brand=brand, item=item).select_related("store").order_by("at", "id")


# --- Interventions --------------------------------------------------------------------------------


def intervention_get(*, brand: Brand, intervention_id: int, store: Any = None) -> Intervention | None:
    qs = Intervention.objects.filter(brand=brand, pk=intervention_id)
    if store is not None:
        qs = qs.filter(store=store)
    return qs.select_related("item", "item__product", "item__owner", "store").first()


def intervention_list(
    *, brand: Brand, store: Any = None, open_only: bool = False, query: str = ""
) -> QuerySet[Intervention]:
    qs = Intervention.objects.filter(brand=brand)
    if store is not None:
        qs = qs.filter(store=store)
    if open_only:
        qs = qs.filter(status__in=OPEN_INTERVENTION_STATUSES)
    if query:
        qs = qs.filter(
            Q(item__serial__icontains=query) | Q(item__public_code__icontains=query.replace(" ", ""))
        )
    claims = WarrantyClaim.objects.filter(brand=brand).order_by("-submitted_at")
    return (
        qs.select_related("item", "item__product", "store")
        .prefetch_related(Prefetch("claims", queryset=claims))
        .order_by("-received_on", "-id")
    )


# --- Claims ---------------------------------------------------------------------------------------


def claim_get(*, brand: Brand, claim_id: int, store: Any = None) -> WarrantyClaim | None:
    qs = WarrantyClaim.objects.filter(brand=brand, pk=claim_id)
    if store is not None:
        qs = qs.filter(store=store)
    return qs.select_related(
        "intervention",
        "intervention__item",
        "intervention__item__product",
        "store",
        "store__retailer",
        "submitted_by",
        "decided_by",
    ).first()


def claim_list(*, brand: Brand, status: str = "", store: Any = None) -> QuerySet[WarrantyClaim]:
    qs = WarrantyClaim.objects.filter(brand=brand)
    if status:
        qs = qs.filter(status=status)
    if store is not None:
        qs = qs.filter(store=store)
    return qs.select_related(
        "intervention", "intervention__item", "intervention__item__product", "store", "store__retailer"
    ).order_by("submitted_at", "id")


@dataclass
class PayoutLine:
    retailer: str
    retailer_id: int
    claims: list[WarrantyClaim] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class PayoutConversion:
    """One currency's total converted to the brand's currency, with the rate used and its date."""

    currency: str
    total: Decimal
    rate: Decimal | None
    rate_date: date | None
    converted: Decimal | None


@dataclass
class PayoutStatement:
    month: date
    lines: list[PayoutLine]
    totals: dict[str, Decimal]
    brand_currency: str = ""
    conversions: list[PayoutConversion] = field(default_factory=list)
    # The sum in the brand's currency; None when a rate is missing (the page says which).
    converted_total: Decimal | None = None


def month_bounds(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=tz)
    end_day = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start, datetime.combine(end_day, time.min, tzinfo=tz)


def payout_statement(*, brand: Brand, month: date, retailer_id: int | None = None) -> PayoutStatement:
    """What the brand owes each retailer for the claims decided in `month`, totalled by currency."""
    start, end = month_bounds(month)
    qs = claim_list(brand=brand).filter(
        status__in=PAID_CLAIM_STATUSES, decided_at__gte=start, decided_at__lt=end
    )
    if retailer_id:
        qs = qs.filter(store__retailer_id=retailer_id)
    lines: dict[int, PayoutLine] = {}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for claim in qs.order_by("store__retailer__name", "decided_at", "id"):
        retailer = claim.store.retailer
        line = lines.setdefault(retailer.pk, PayoutLine(retailer=retailer.name, retailer_id=retailer.pk))
        line.claims.append(claim)
        amount = claim.approved_amount or Decimal(0)
        line.totals[claim.currency] = line.totals.get(claim.currency, Decimal(0)) + amount
        totals[claim.currency] += amount
    first = month.replace(day=1)
    last = min((first + timedelta(days=32)).replace(day=1) - timedelta(days=1), timezone.localdate())
    target = brand.default_currency.upper()
    conversions = []
    for currency, total in sorted(totals.items()):
        found = customer_selectors.exchange_rate_between(source=currency, target=target, on_date=last)
        rate, day = found if found else (None, None)
        converted = (total * rate).quantize(Decimal("0.01")) if rate is not None else None
        conversions.append(PayoutConversion(currency, total, rate, day, converted))
    complete = all(c.converted is not None for c in conversions)
    return PayoutStatement(
        month=first,
        lines=list(lines.values()),
        totals=dict(sorted(totals.items())),
        brand_currency=target,
        conversions=conversions,
        converted_total=sum((c.converted or Decimal(0) for c in conversions), Decimal(0))
        if complete and conversions
        else None,
    )


def sale_registration_facts(*, brand: Brand) -> QuerySet[Registration]:
    """One row per sale registered with a warranty: store_id, product_id, day, serial, is_grey_market.

    For set-based aggregation (the insights tables); the queryset is meant to be used as a subquery.
    """
    from django.db.models import F

    return (
        Registration.objects.filter(brand=brand, kind=RegistrationKind.SALE)
        .order_by()
        .values(
            "store_id",
            "is_grey_market",
            product_id=F("item__product_id"),
            day=F("sold_on"),
            serial=F("item__serial"),
        )
    )


def products_owned_by(*, brand: Brand, customer_ids: list[int]) -> dict[int, list[int]]:
    """The product ids of the pieces each of these customers owns now, last registered first, one query."""
    rows = (
        Item.objects.filter(brand=brand, owner_id__in=customer_ids)
        .order_by("-updated_at", "-id")
        .values_list("owner_id", "product_id")
    )
    owned: dict[int, list[int]] = {}
    for owner_id, product_id in rows:
        products = owned.setdefault(owner_id, [])
        if product_id not in products:
            products.append(product_id)
    return owned


def intervention_facts(*, brand: Brand) -> QuerySet[Intervention]:
    """One row per intervention: store_id, kind, received_on, returned_on (none while in progress),
    is_under_warranty. For set-based aggregation (the insights tables)."""
    return (
        Intervention.objects.filter(brand=brand)
        .order_by()
        .values("store_id", "kind", "received_on", "returned_on", "is_under_warranty")
    )


def claim_facts(*, brand: Brand) -> QuerySet[WarrantyClaim]:
    """One row per warranty claim: store_id, currency, submitted_on and decided_on (days in the brand's time
    zone; decided_on none while undecided), claimed (labour + parts), is_paid (approved or partially), payout
    (the approved amount of a paid claim, else 0), is_rejected. For set-based aggregation."""
    from zoneinfo import ZoneInfo

    from django.db.models import BooleanField, Case, DecimalField, F, Q, Value, When
    from django.db.models.functions import TruncDate

    zone = ZoneInfo(brand.time_zone)
    money = DecimalField(max_digits=12, decimal_places=2)
    paid = Q(status__in=PAID_CLAIM_STATUSES)
    return (
        WarrantyClaim.objects.filter(brand=brand)
        .order_by()
        .values(
            "store_id",
            "currency",
            submitted_on=TruncDate("submitted_at", tzinfo=zone),
            decided_on=TruncDate("decided_at", tzinfo=zone),
            claimed=F("labour_amount") + F("parts_amount"),
            is_paid=Case(When(paid, then=Value(True)), default=Value(False), output_field=BooleanField()),
            payout=Case(
                When(paid & Q(approved_amount__isnull=False), then=F("approved_amount")),
                default=Value(0, output_field=money),
                output_field=money,
            ),
            is_rejected=Case(
                When(status=ClaimStatus.REJECTED, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def service_due_facts(*, brand: Brand) -> QuerySet[Registration]:
    """One row per piece sold and registered whose product has a service interval: store_id (where it was
    sold), sold_on, last_service (the day its last service intervention was returned, none before one) and
    interval_months. For set-based aggregation (pieces due for service)."""
    from django.db.models import F, Max, OuterRef, Subquery

    last_service = (
        Intervention.objects.filter(
            brand=brand, item_id=OuterRef("item_id"), kind=InterventionKind.SERVICE, returned_on__isnull=False
        )
        .order_by()
        .values("item_id")
        .annotate(last=Max("returned_on"))
        .values("last")
    )
    return (
        Registration.objects.filter(
            brand=brand,
            kind=RegistrationKind.SALE,
            is_current=True,
            item__product__service_interval_months__isnull=False,
        )
        .order_by()
        .values(
            "store_id",
            "sold_on",
            last_service=Subquery(last_service),
            interval_months=F("item__product__service_interval_months"),
        )
    )
