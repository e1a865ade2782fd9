"""Demo warranty data: three years of sales registrations of most shipped items, gifts, services and
repairs on some pieces, and warranty claims in every status.

Uses ctx.shared["items_in_stock"] and ["item_in_store_since"] (warranties.inventory.demo) and
ctx.shared["customer_ids"] (customers.demo) when present; otherwise reads the in-stock items and creates
a few customers. Idempotent: does nothing when the brand already has registrations. bulk_create only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from customers.models import Customer, Order, OrderLine, OrderSource, Relation
from jewelcrm.demo import DemoContext
from warranties.inventory.models import Item, ItemStatus
from warranties.inventory.selectors import item_grey_market_reason
from warranties.models import (
    ClaimStatus,
    Intervention,
    InterventionKind,
    InterventionStatus,
    ItemEvent,
    Registration,
    WarrantyClaim,
)
from warranties.services import warranty_end

SOLD_SHARE = 0.8  # most shipped pieces are sold; the rest stays in the stores for the demo sales
UNSOLD_AT_FLAGSHIP = 6  # the flagship (where the demo associate works) keeps a few pieces to sell
RATES = {
    "EUR": "1",
    "CHF": "0.95",
    "GBP": "0.85",
    "USD": "1.10",
    "AED": "4.00",
    "JPY": "160",
    "HKD": "8.50",
    "SGD": "1.45",
}
OCCASIONS = ["birthday", "anniversary", "wedding", "engagement", "christmas", "valentines_day", "mothers_day"]
RELATIONS = ["spouse", "spouse", "child", "parent", "friend", "sibling"]
GIFT_NAMES = ["Emma", "Louise", "Jules", "Chloé", "Hugo", "Sofia", "Nina", "Paul", "Alice", "Marc"]
KINDS = [k.value for k in InterventionKind]


def _customers(ctx: DemoContext) -> list[int]:
    ids = list(ctx.shared.get("customer_ids") or [])
    if ids:
        return ids
    existing = list(
        Customer.objects.filter(brand=ctx.brand).order_by("pk").values_list("pk", flat=True)[:500]
    )
    if existing:
        return existing
    rows = [
        Customer(
            brand=ctx.brand,
            first_name=name,
            last_name="Demo",
            email=f"owner{n}@{ctx.profile['mail_domain']}",
            language="fr" if n % 2 else "en",
            country=ctx.brand.country,
            customer_since=ctx.today,
        )
        for n, name in enumerate(GIFT_NAMES)
    ]
    from customers.services import search_terms_refresh

    ids = [c.pk for c in Customer.objects.bulk_create(rows)]
    search_terms_refresh(brand_id=ctx.brand.pk, customer_ids=ids)
    from customers.book_ranks import book_ranks_refresh_for

    book_ranks_refresh_for(brand=ctx.brand, customer_ids=ids)
    return ids


def _price(product: Any, currency: str, rng: Any) -> Decimal:
    base = product.price or Decimal("900")
    if product.currency != currency:
        base = base / Decimal(RATES.get(product.currency, "1")) * Decimal(RATES.get(currency, "1"))
    discount = Decimal(1) - Decimal(rng.choice([0, 0, 0, 5, 10])) / 100
    return (base * discount).quantize(Decimal("1.00"))


def seed(ctx: DemoContext) -> None:
    brand, rng, today = ctx.brand, ctx.rng, ctx.today
    if Registration.objects.filter(brand=brand).exists():
        return
    ids = ctx.shared.get("items_in_stock")
    items_qs = Item.objects.filter(brand=brand, status=ItemStatus.IN_STOCK, current_store__isnull=False)
    if ids:
        items_qs = items_qs.filter(pk__in=ids)
    items = list(items_qs.select_related("product", "current_store", "shipped_to_store").order_by("pk"))
    stores = [s for s in (ctx.shared.get("stores") or {}).values()]
    customer_ids = _customers(ctx)
    if not items or not stores or not customer_ids:
        return
    flagship = stores[0]
    since: dict[int, date] = ctx.shared.get("item_in_store_since") or {}
    tz = ZoneInfo(brand.time_zone)
    keep_at_flagship = UNSOLD_AT_FLAGSHIP
    to_sell: list[Item] = []
    for item in items:
        if item.current_store_id == flagship.pk and keep_at_flagship > 0:
            keep_at_flagship -= 1
            continue
        if rng.random() < SOLD_SHARE:
            to_sell.append(item)
    start_of_history = today - timedelta(days=3 * 365)

    sales: list[dict[str, Any]] = []
    for item in to_sell:
        arrived = since.get(item.pk) or item.created_at.date()
        first_day = max(arrived, start_of_history)
        if first_day >= today:
            continue
        sold_on = first_day + timedelta(days=int((today - first_day).days * rng.random() ** 0.7))
        store = item.current_store
        if rng.random() < 0.03:  # a few pieces sold by another store of the network: grey market
            store = rng.choice(stores)
        sales.append(
            {
                "item": item,
                "store": store,
                "sold_on": sold_on,
                "customer_id": rng.choice(customer_ids),
                "is_gift": rng.random() < 0.25,
            }
        )

    relations = Relation.objects.bulk_create(
        [
            Relation(
                brand=brand,
                customer_id=sale["customer_id"],
                name=rng.choice(GIFT_NAMES),
                kind=rng.choice(RELATIONS),
                birth_date=date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
                if rng.random() < 0.5
                else None,
            )
            for sale in sales
            if sale["is_gift"]
        ]
    )
    relation_iter = iter(relations)
    orders = Order.objects.bulk_create(
        [
            Order(
                brand=brand,
                source=OrderSource.WARRANTY,
                customer_id=sale["customer_id"],
                store=sale["store"],
                channel="store",
                ordered_at=datetime.combine(sale["sold_on"], time(11, 0), tzinfo=tz),
                paid_at=datetime.combine(sale["sold_on"], time(11, 0), tzinfo=tz),
                currency=sale["store"].currency,
                total=_price(sale["item"].product, sale["store"].currency, rng),
            )
            for sale in sales
        ]
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                brand=brand,
                order=order,
                product=sale["item"].product,
                sku=sale["item"].product.reference,
                name=sale["item"].product.name_en,
                serial=sale["item"].serial,
                unit_price=order.total,
                total=order.total,
            )
            for sale, order in zip(sales, orders, strict=True)
        ]
    )
    registrations: list[Registration] = []
    events: list[ItemEvent] = []
    for sale, order in zip(sales, orders, strict=True):
        item, store = sale["item"], sale["store"]
        relation = next(relation_iter) if sale["is_gift"] else None
        reason = item_grey_market_reason(item=item, store=store)
        at = datetime.combine(sale["sold_on"], time(11, rng.randint(0, 59)), tzinfo=tz)
        registrations.append(
            Registration(
                brand=brand,
                item=item,
                customer_id=sale["customer_id"],
                store=store,
                order=order,
                sold_on=sale["sold_on"],
                registered_at=at,
                price_paid=order.total,
                currency=order.currency,
                is_gift=relation is not None,
                gift_recipient=relation,
                gift_recipient_name=relation.name if relation else "",
                gift_relation=relation.kind if relation else "",
                gift_occasion=rng.choice(OCCASIONS) if relation else "",
                warranty_starts_on=sale["sold_on"],
                warranty_ends_on=warranty_end(start=sale["sold_on"], months=item.product.warranty_months),
                is_grey_market=bool(reason),
                grey_market_reason=reason[:200],
                idempotency_key=f"demo-{item.pk}",
            )
        )
        events.append(
            ItemEvent(
                brand=brand,
                item=item,
                kind="sold",
                at=at,
                store=store,
                is_public=True,
                data={
                    "month": sale["sold_on"].strftime("%Y-%m"),
                    "city": store.city,
                    "country": str(store.country),
                },
            )
        )
        item.status, item.owner_id, item.current_store = ItemStatus.SOLD, sale["customer_id"], store
    Registration.objects.bulk_create(registrations)
    Item.objects.bulk_update(
        [sale["item"] for sale in sales], ["status", "owner", "current_store"], batch_size=1000
    )

    interventions, claims = _services(ctx, registrations, tz, events)
    ItemEvent.objects.bulk_create(events, batch_size=2000)
    ctx.shared["registration_count"] = len(registrations)
    ctx.shared["intervention_count"] = len(interventions)
    ctx.shared["claim_count"] = len(claims)


def _services(
    ctx: DemoContext, registrations: list[Registration], tz: ZoneInfo, events: list[ItemEvent]
) -> tuple[list[Intervention], list[WarrantyClaim]]:
    """Services and repairs on some sold pieces; open ones are recent. Claims for those under warranty."""
    brand, rng, today = ctx.brand, ctx.rng, ctx.today
    flagship = next(iter((ctx.shared.get("stores") or {}).values()), None)
    chosen = [r for r in registrations if rng.random() < 0.12] or []
    if len(chosen) < 8:  # the small demo still shows every state
        chosen += rng.sample(registrations, min(8, len(registrations)))
    # The flagship always has a few pieces in its workshop for the demo associate.
    at_flagship = [r for r in registrations if flagship is not None and r.store_id == flagship.pk][:4]
    chosen = list({r.item_id: r for r in chosen + at_flagship}.values())
    interventions: list[Intervention] = []
    for registration in chosen:
        days_since_sale = (today - registration.sold_on).days
        if days_since_sale < 2:
            continue
        is_open = registration in at_flagship or rng.random() < 0.15
        received = (
            today - timedelta(days=rng.randint(0, 20))
            if is_open
            else registration.sold_on + timedelta(days=rng.randint(1, days_since_sale))
        )
        received = max(received, registration.sold_on + timedelta(days=1))
        status = (
            rng.choice(
                [InterventionStatus.RECEIVED, InterventionStatus.IN_WORKSHOP, InterventionStatus.READY]
            )
            if is_open
            else InterventionStatus.RETURNED
        )
        kind = rng.choice(KINDS)
        under_warranty = registration.warranty_starts_on <= received <= registration.warranty_ends_on
        labour = Decimal(rng.choice([40, 60, 80, 120, 150]))
        parts = (
            Decimal(rng.choice([0, 0, 15, 35, 90, 240]))
            if kind in ("repair", "stone_replacement", "battery")
            else Decimal(0)
        )
        ready = received + timedelta(days=rng.randint(3, 25))
        interventions.append(
            Intervention(
                brand=brand,
                item_id=registration.item_id,
                store_id=registration.store_id,
                kind=kind,
                status=status,
                received_on=received,
                ready_on=min(ready, today)
                if status in (InterventionStatus.READY, InterventionStatus.RETURNED)
                else None,
                returned_on=min(ready + timedelta(days=rng.randint(1, 10)), today)
                if status == InterventionStatus.RETURNED
                else None,
                description=rng.choice(
                    [
                        "Clasp loose",
                        "Polishing and check",
                        "Stone set again",
                        "New battery",
                        "Resized by one size",
                        "Initials engraved",
                        "Water resistance test",
                    ]
                ),
                labour_cost=labour,
                parts_cost=parts,
                currency=registration.currency,
                is_under_warranty=under_warranty,
                created_at=datetime.combine(received, time(15, 0), tzinfo=tz),
            )
        )
    Intervention.objects.bulk_create(interventions)
    for intervention in interventions:
        events.append(
            ItemEvent(
                brand=brand,
                item_id=intervention.item_id,
                kind="intervention",
                store_id=intervention.store_id,
                is_public=True,
                at=intervention.created_at,
                data={
                    "intervention": intervention.pk,
                    "type": intervention.kind,
                    "status": intervention.status,
                    "month": intervention.received_on.strftime("%Y-%m"),
                },
            )
        )
    claims: list[WarrantyClaim] = []
    statuses = [
        ClaimStatus.SUBMITTED,
        ClaimStatus.APPROVED,
        ClaimStatus.PARTIALLY_APPROVED,
        ClaimStatus.REJECTED,
    ]
    # Closed interventions first, so that the decided claims are on pieces already returned.
    covered = sorted(
        (i for i in interventions if i.is_under_warranty),
        key=lambda i: (i.status != InterventionStatus.RETURNED, i.received_on),
    )
    for index, intervention in enumerate(covered):
        if index >= len(statuses) and rng.random() < 0.4:
            continue
        if index < len(statuses):
            status = statuses[index]
        elif (
            intervention.status != InterventionStatus.RETURNED
            or intervention.received_on > today - timedelta(days=45)
        ):
            status = ClaimStatus.SUBMITTED  # the recent ones wait in the brand's queue
        else:
            status = rng.choice(statuses[1:] + [ClaimStatus.APPROVED] * 3)
        total = intervention.labour_cost + intervention.parts_cost
        submitted = datetime.combine(
            intervention.ready_on or intervention.received_on, time(17, 0), tzinfo=tz
        )
        decided = (
            None
            if status == ClaimStatus.SUBMITTED
            else min(
                submitted + timedelta(days=rng.randint(2, 20)), datetime.combine(today, time(9, 0), tzinfo=tz)
            )
        )
        approved = {
            ClaimStatus.APPROVED: total,
            ClaimStatus.PARTIALLY_APPROVED: (total * Decimal("0.6")).quantize(Decimal("1.00")),
            ClaimStatus.REJECTED: Decimal(0),
        }.get(status)
        claims.append(
            WarrantyClaim(
                brand=brand,
                intervention=intervention,
                store_id=intervention.store_id,
                status=status,
                labour_amount=intervention.labour_cost,
                parts_amount=intervention.parts_cost,
                currency=intervention.currency,
                approved_amount=approved,
                submitted_at=submitted,
                decided_at=decided,
                decision_reason={
                    ClaimStatus.PARTIALLY_APPROVED: "Parts beyond the warranty scale",
                    ClaimStatus.REJECTED: "Damage from a shock, not covered",
                }.get(status, ""),
            )
        )
    WarrantyClaim.objects.bulk_create(claims)
    return interventions, claims
