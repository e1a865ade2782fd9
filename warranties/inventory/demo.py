"""Demo items: each brand's pieces shipped to its stores over the last three years, with their movements.

"full": about 2,500 items per brand; "small": about 40. Some pieces were transferred between stores,
a few shipments are still in transit, a few pieces wait in the brand's own stock.
Leaves ctx.shared["items_in_stock"] (ids of items in stock at a store, for the sales of warranties.demo)
and ctx.shared["item_in_store_since"] ({item id: date it reached its store}).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jewelcrm.demo import DemoContext
from warranties.inventory.codes import public_code_new
from warranties.inventory.models import Item, ItemStatus, MovementKind, StockMovement

SIZES = {"full": 2500, "small": 40}
YEARS = 3


def _shared(ctx: DemoContext) -> None:
    in_stock = Item.objects.filter(brand=ctx.brand, status=ItemStatus.IN_STOCK, current_store__isnull=False)
    ctx.shared["items_in_stock"] = list(in_stock.order_by("id").values_list("id", flat=True))
    since: dict[int, Any] = {}
    for item_id, received in (
        StockMovement.objects.filter(brand=ctx.brand, received_at__isnull=False)
        .order_by("received_at")
        .values_list("item_id", "received_at")
    ):
        since[item_id] = received.date()
    ctx.shared["item_in_store_since"] = since


def seed(ctx: DemoContext) -> None:
    if Item.objects.filter(brand=ctx.brand).exists():
        _shared(ctx)
        return
    rng = ctx.rng
    products = ctx.shared.get("products") or []
    stores = [s for s in ctx.shared["stores"].values() if s.is_active]
    if not products or not stores:
        return
    count = SIZES.get(ctx.size, SIZES["small"])
    tz = ZoneInfo(ctx.brand.time_zone)
    now = datetime.combine(ctx.today, datetime.min.time(), tzinfo=tz) + timedelta(hours=9)
    span = YEARS * 365
    # Busier stores get more stock: the first (flagship) and the e-shop more than the others.
    weights = [
        3 if index == 0 else (2 if s.type in ("boutique", "eshop") else 1) for index, s in enumerate(stores)
    ]
    prefix = ctx.profile.get("code_prefix", "")[:2] or "SN"
    codes: set[str] = set()
    items: list[Item] = []
    plans: list[list[dict[str, Any]]] = []
    for n in range(count):
        product = products[(n * 7 + rng.randrange(len(products))) % len(products)]
        days_ago = int(span * (1 - rng.random() ** 1.4))  # more recent shipments than old ones
        code = public_code_new(brand=ctx.brand)
        while code in codes:
            code = public_code_new(brand=ctx.brand)
        codes.add(code)
        serial = f"{prefix}{product.reference.replace('-', '').replace('.', '')[:6]}{100000 + n:06d}"
        created = now - timedelta(days=days_ago + rng.randint(3, 20), minutes=rng.randint(0, 600))
        item = Item(
            brand=ctx.brand, product=product, serial=serial.upper(), public_code=code, created_at=created
        )
        moves: list[dict[str, Any]] = []
        roll = 1.0 if n >= count - 3 else rng.random()
        if roll < 0.04:  # still in the brand's stock
            item.status, item.current_store = ItemStatus.IN_STOCK, None
        else:
            store = rng.choices(stores, weights=weights)[0]
            sent = now - timedelta(days=days_ago, minutes=rng.randint(0, 480))
            in_transit = roll < 0.055 and days_ago < 400
            if n >= count - 3:  # a shipment on its way to the flagship, whose staff the demo signs in as
                store, in_transit = stores[0], True
            if in_transit:
                sent = now - timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 8))
            received = (
                None if in_transit else sent + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6))
            )
            moves.append(
                {"kind": MovementKind.SHIPMENT, "from": None, "to": store, "sent": sent, "received": received}
            )
            item.shipped_to_store, item.shipped_on = store, sent.astimezone(tz).date()
            item.status, item.current_store = (
                (ItemStatus.IN_TRANSIT if in_transit else ItemStatus.IN_STOCK),
                store,
            )
            if (
                not in_transit
                and len(stores) > 1
                and rng.random() < 0.08
                and received < now - timedelta(days=20)
            ):
                target = rng.choice([s for s in stores if s.pk != store.pk])
                t_sent = received + timedelta(days=rng.randint(5, max(6, (now - received).days - 5)))
                t_pending = (now - t_sent).days < 4 and rng.random() < 0.5
                t_received = None if t_pending else min(now, t_sent + timedelta(days=rng.randint(1, 3)))
                moves.append(
                    {
                        "kind": MovementKind.TRANSFER,
                        "from": store,
                        "to": target,
                        "sent": t_sent,
                        "received": t_received,
                    }
                )
                item.current_store = target
                item.status = ItemStatus.IN_TRANSIT if t_pending else ItemStatus.IN_STOCK
                if not t_pending:
                    item.shipped_to_store = target
        items.append(item)
        plans.append(moves)
    Item.objects.bulk_create(items, batch_size=1000)
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                brand=ctx.brand,
                item=item,
                kind=m["kind"],
                from_store=m["from"],
                to_store=m["to"],
                sent_at=m["sent"],
                received_at=m["received"],
                note="" if m["kind"] == MovementKind.SHIPMENT else "Demande du magasin",
            )
            for item, moves in zip(items, plans, strict=True)
            for m in moves
        ],
        batch_size=2000,
    )
    _shared(ctx)
