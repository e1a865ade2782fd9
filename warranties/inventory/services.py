"""Writes of serialised items and their stock movements.

Where an item is:
- at the brand (not yet shipped): current_store is None, status in_stock;
- on its way to a store (shipment or transfer not yet received): status in_transit, current_store is the
  destination, and an open StockMovement (received_at is None) to that store;
- in a store: status in_stock, current_store is the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties.inventory.codes import public_code_new
from warranties.inventory.models import Item, ItemStatus, MovementKind, StockMovement

PUBLIC_CODE_ATTEMPTS = 5


def _serial_clean(serial: str) -> str:
    return "".join((serial or "").split()).upper()


def _store_check(*, brand: Brand, store: Any) -> None:
    if store is None or store.brand_id != brand.pk:
        raise ValidationError({"store": [_("Unknown store.")]})
    if not store.is_active:
        raise ValidationError({"store": [_("The store %(code)s is closed.") % {"code": store.code}]})


def public_code_allocate(*, brand: Brand, taken: set[str] | None = None) -> str:
    """A public code no other item of the brand has (nor any in `taken`, for bulk creation)."""
    for _attempt in range(PUBLIC_CODE_ATTEMPTS):
        code = public_code_new(brand=brand)
        if taken is not None and code in taken:
            continue
        if not Item.objects.filter(brand=brand, public_code=code).exists():
            if taken is not None:
                taken.add(code)
            return code
    raise RuntimeError("Could not allocate a unique public code.")  # 75 random bits: never in practice


def item_create(
    *,
    brand: Brand,
    product: Any,
    serial: str,
    store: Any = None,
    shipped_at: datetime | None = None,
    is_received: bool = True,
    actor: Any = None,
) -> Item:
    """A new item of the brand, with its public code.

    With `store`, the item is also shipped there (received already unless `is_received=False`), which is
    what an import of stock already in the shops needs.
    """
    serial = _serial_clean(serial)
    if not serial:
        raise ValidationError({"serial": [_("Give the serial number.")]})
    if product is None or product.brand_id != brand.pk:
        raise ValidationError({"product": [_("Unknown product.")]})
    if store is not None:
        _store_check(brand=brand, store=store)
    for attempt in range(PUBLIC_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                if Item.objects.filter(brand=brand, serial__iexact=serial).exists():
                    raise ValidationError(
                        {
                            "serial": [
                                _("An item with the serial %(serial)s already exists.") % {"serial": serial}
                            ]
                        }
                    )
                item = Item.objects.create(
                    brand=brand,
                    product=product,
                    serial=serial,
                    public_code=public_code_allocate(brand=brand),
                    status=ItemStatus.IN_STOCK,
                    created_at=min(timezone.now(), shipped_at or timezone.now()),
                )
                audit_log_record(
                    brand=brand, action="item.create", actor=actor, obj=item, data={"serial": serial}
                )
                if store is not None:
                    _ship(
                        brand=brand, item=item, store=store, actor=actor, sent_at=shipped_at or timezone.now()
                    )
                    if is_received:
                        movement = item.movements.get()
                        _receive(item=item, movement=movement, at=movement.sent_at)
                return item
        except IntegrityError:
            # A concurrent insert took the serial or (very rarely) the public code: retry or report.
            if (
                Item.objects.filter(brand=brand, serial__iexact=serial).exists()
                or attempt == PUBLIC_CODE_ATTEMPTS - 1
            ):
                raise ValidationError(
                    {"serial": [_("An item with the serial %(serial)s already exists.") % {"serial": serial}]}
                ) from None
    raise AssertionError("unreachable")


def _ship(
    *, brand: Brand, item: Item, store: Any, actor: Any, sent_at: datetime, note: str = ""
) -> StockMovement:
    movement = StockMovement.objects.create(
        brand=brand,
        item=item,
        kind=MovementKind.SHIPMENT,
        from_store=None,
        to_store=store,
        sent_at=sent_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )
    item.status = ItemStatus.IN_TRANSIT
    item.current_store = store
    item.shipped_to_store = store
    item.shipped_on = timezone.localdate(sent_at) if timezone.is_aware(sent_at) else sent_at.date()
    item.save(update_fields=["status", "current_store", "shipped_to_store", "shipped_on", "updated_at"])
    return movement


def _receive(*, item: Item, movement: StockMovement, at: datetime) -> None:
    movement.received_at = at
    movement.save(update_fields=["received_at"])
    item.status = ItemStatus.IN_STOCK
    item.current_store_id = movement.to_store_id
    fields = ["status", "current_store", "updated_at"]
    if movement.kind == MovementKind.TRANSFER:
        # A transfer inside the network moves the item's allocation with it (grey-market check).
        item.shipped_to_store_id = movement.to_store_id
        fields.append("shipped_to_store")
    item.save(update_fields=fields)


@transaction.atomic
def item_ship(
    *,
    brand: Brand,
    items: Iterable[Item],
    store: Any,
    actor: Any = None,
    note: str = "",
    sent_at: datetime | None = None,
) -> list[StockMovement]:
    """Ship items from the brand to a store: each is in transit until the store confirms receipt."""
    _store_check(brand=brand, store=store)
    ids = [item.pk for item in items]
    locked = list(Item.objects.select_for_update().filter(brand=brand, pk__in=ids).order_by("serial"))
    if not locked or len(locked) != len(set(ids)):
        raise ValidationError({"items": [_("Choose items of this brand to ship.")]})
    not_at_brand = [
        i.serial for i in locked if i.current_store_id is not None or i.status != ItemStatus.IN_STOCK
    ]
    if not_at_brand:
        raise ValidationError(
            {"items": [_("Not in the brand's stock: %(serials)s.") % {"serials": ", ".join(not_at_brand)}]}
        )
    at = sent_at or timezone.now()
    movements = [
        _ship(brand=brand, item=item, store=store, actor=actor, sent_at=at, note=note) for item in locked
    ]
    audit_log_record(
        brand=brand,
        action="item.ship",
        actor=actor,
        obj=store,
        data={"store": store.code, "serials": [i.serial for i in locked]},
    )
    return movements


@transaction.atomic
def item_transfer(
    *, brand: Brand, item: Item, from_store: Any, to_store: Any, actor: Any = None, note: str = ""
) -> StockMovement:
    """Send an item in stock at one store to another store of the brand; in transit until received."""
    _store_check(brand=brand, store=to_store)
    locked = Item.objects.select_for_update().filter(brand=brand, pk=item.pk).first()
    if (
        locked is None
        or from_store is None
        or locked.current_store_id != from_store.pk
        or locked.status != ItemStatus.IN_STOCK
    ):
        raise ValidationError({"item": [_("This item is not in stock at your store.")]})
    if to_store.pk == from_store.pk:
        raise ValidationError({"to_store": [_("Choose another store.")]})
    movement = StockMovement.objects.create(
        brand=brand,
        item=locked,
        kind=MovementKind.TRANSFER,
        from_store=from_store,
        to_store=to_store,
        sent_at=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )
    locked.status = ItemStatus.IN_TRANSIT
    locked.current_store = to_store
    locked.save(update_fields=["status", "current_store", "updated_at"])
    item.status, item.current_store = locked.status, to_store
    audit_log_record(
        brand=brand,
        action="item.transfer",
        actor=actor,
        obj=locked,
        data={"from": from_store.code, "to": to_store.code},
    )
    return movement


@transaction.atomic
def movement_confirm_receipt(
    *, brand: Brand, movement: StockMovement, store: Any, actor: Any = None, at: datetime | None = None
) -> StockMovement:
    """The receiving store confirms it has the item: the item is in stock there."""
    locked = (
        StockMovement.objects.select_for_update()
        .filter(brand=brand, pk=movement.pk)
        .select_related("item")
        .first()
    )
    if locked is None or store is None or locked.to_store_id != store.pk:
        raise ValidationError(_("This shipment is not addressed to your store."))
    if locked.received_at is not None:
        return locked  # idempotent: a second tap changes nothing
    item = Item.objects.select_for_update().get(brand=brand, pk=locked.item_id)
    if item.status != ItemStatus.IN_TRANSIT:
        raise ValidationError(_("This item is no longer in transit."))
    _receive(item=item, movement=locked, at=at or timezone.now())
    audit_log_record(
        brand=brand, action="movement.receive", actor=actor, obj=locked, data={"serial": item.serial}
    )
    movement.received_at = locked.received_at
    return locked


@transaction.atomic
def movement_confirm_all(*, brand: Brand, store: Any, actor: Any = None) -> int:
    """Confirm receipt of every shipment and transfer on its way to the store. Returns how many."""
    pending = list(
        StockMovement.objects.filter(
            brand=brand, to_store=store, received_at__isnull=True, item__status=ItemStatus.IN_TRANSIT
        )
    )
    for movement in pending:
        movement_confirm_receipt(brand=brand, movement=movement, store=store, actor=actor)
    return len(pending)
