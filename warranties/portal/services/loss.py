"""Lost or stolen: an owner reports a piece, the brand marks it recovered."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties import services as warranty_services
from warranties.inventory.models import Item, ItemStatus
from warranties.portal import emails
from warranties.portal.services.common import FLAGGED


@transaction.atomic
def item_report_loss(
    *,
    brand: Brand,
    item: Item,
    status: str,
    customer: Customer | None = None,
    store: Any = None,
    actor: Any = None,
    note: str = "",
    ip: str | None = None,
) -> Item:
    """The owner (customer) or a store reports a piece lost or stolen. The brand is alerted."""
    if status not in FLAGGED:
        raise ValidationError(_("Choose lost or stolen."), code="invalid")
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if customer is not None and locked.owner_id != customer.pk:
        raise ValidationError(_("This piece is no longer registered to you."), code="not_owner")
    if locked.status in FLAGGED:
        raise ValidationError(_("This piece is already reported lost or stolen."), code="already_flagged")
    if locked.status == ItemStatus.DESTROYED:
        raise ValidationError(_("This piece is recorded as destroyed."), code="invalid")
    staff = actor if getattr(actor, "pk", None) else None
    locked.status_before_loss = locked.status
    locked.status = status
    locked.save(update_fields=["status", "status_before_loss", "updated_at"])
    by = "owner" if customer is not None else "store"
    warranty_services.item_event_add(
        brand=brand,
        item=locked,
        kind=f"reported_{status}",
        store=store,
        actor=staff,
        is_public=True,
        data={"by": by},
    )
    audit_log_record(
        brand=brand,
        action=f"item.reported_{status}",
        actor=staff,
        obj=locked,
        ip=ip,
        data={"serial": locked.serial, "by": by, "store": getattr(store, "code", ""), "note": note[:500]},
    )
    emails.send_after_commit(
        to=emails.brand_alert_recipients(brand=brand),
        template="loss_alert",
        language=brand.default_language,
        context={
            "brand_name": brand.name,
            "serial": locked.serial,
            "status": status,
            "by": by,
            "store": getattr(store, "name", ""),
            "note": note[:500],
        },
    )
    return locked


@transaction.atomic
def item_mark_recovered(
    *,
    brand: Brand,
    item: Item,
    customer: Customer | None = None,
    store: Any = None,
    actor: Any = None,
    ip: str | None = None,
) -> Item:
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if customer is not None and locked.owner_id != customer.pk:
        raise ValidationError(_("This piece is no longer registered to you."), code="not_owner")
    if locked.status not in FLAGGED:
        raise ValidationError(_("This piece is not reported lost or stolen."), code="not_flagged")
    staff = actor if getattr(actor, "pk", None) else None
    previous = locked.status
    locked.status = locked.status_before_loss or (ItemStatus.SOLD if locked.owner_id else ItemStatus.IN_STOCK)
    locked.status_before_loss = ""
    locked.save(update_fields=["status", "status_before_loss", "updated_at"])
    warranty_services.item_event_add(
        brand=brand,
        item=locked,
        kind="recovered",
        store=store,
        actor=staff,
        is_public=True,
        data={"was": previous},
    )
    audit_log_record(
        brand=brand,
        action="item.recovered",
        actor=staff,
        obj=locked,
        ip=ip,
        data={"serial": locked.serial, "was": previous},
    )
    return locked
