"""Lost or stolen: who may report a piece lost or stolen, or mark it recovered, and what each change does.

See the README ("Lost or stolen") and docs/adr/0010-owner-consent-for-store-changes.md.
"""

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
from warranties.portal.services.common import FLAGGED, NOT_ALLOWED, _pending_cancel

# --- Lost or stolen -------------------------------------------------------------------------------
#
# Who may change the lost/stolen state of a piece (see README "Lost or stolen"):
# - its owner, from the portal (`by="owner"`);
# - the brand, from the dashboard (`by="brand"`, an owner or admin of the brand);
# - a store (`by="store"`) directly only for a piece in its own stock; for any other piece only with the
#   owner's consent, given by the link of an `OwnerApproval` (`store_loss_request`,
#   `store_recovered_request`, then `owner_approval_decide`).
# Every change is audited, cancels what is pending on the piece, and alerts the owner and the brand.

LOSS_BY = ("owner", "brand", "store")
STOCK_STATUSES = frozenset({ItemStatus.IN_STOCK, ItemStatus.IN_TRANSIT})
OWNER_CONSENT_REQUIRED = "owner_consent_required"


def item_in_store_stock(*, item: Item, store: Any, status: str | None = None) -> bool:
    """The piece is unsold stock of this store (`status`: the status to judge, default the item's)."""
    return (
        store is not None
        and item.current_store_id == store.pk
        and item.owner_id is None
        and (status or item.status) in STOCK_STATUSES
    )


def _check_brand_actor(*, brand: Brand, actor: Any) -> None:
    from jewelcrm.accounts.roles import ADMIN_ROLES
    from jewelcrm.accounts.selectors import membership_get

    membership = membership_get(brand=brand, user=actor) if getattr(actor, "pk", None) else None
    if membership is None or membership.role not in ADMIN_ROLES:
        raise ValidationError(_("Only the brand's owners and admins can do this."), code=NOT_ALLOWED)


def _check_loss_actor(
    *, brand: Brand, locked: Item, by: str, customer: Customer | None, store: Any, actor: Any, status: str
) -> None:
    """Raise unless `by` may change this piece's lost/stolen state (`status`: the status judged)."""
    if by not in LOSS_BY:
        raise ValidationError(_("Unknown reporter."), code="invalid")
    if by == "owner":
        if customer is None or locked.owner_id != customer.pk:
            raise ValidationError(_("This piece is no longer registered to you."), code="not_owner")
    elif by == "brand":
        _check_brand_actor(brand=brand, actor=actor)
    elif not item_in_store_stock(item=locked, store=store, status=status):
        raise ValidationError(
            _("This piece is not in your store's stock: its owner must confirm by the e-mailed link."),
            code=OWNER_CONSENT_REQUIRED,
        )


def _loss_alerts_record(*, brand: Brand, event_id: int) -> None:
    """The owner and the brand are alerted of every lost/stolen change: the messages are recorded in the
    send log inside the change's transaction (the outbox) and leave once it commits."""
    emails.loss_brand_alert_send(event_id=event_id)
    emails.loss_owner_alert_send(event_id=event_id)


def _loss_apply(
    *,
    brand: Brand,
    locked: Item,
    status: str,
    by: str,
    store: Any,
    actor: Any,
    note: str,
    ip: str | None,
    approval: Any = None,
) -> Item:
    if locked.status in FLAGGED:
        raise ValidationError(_("This piece is already reported lost or stolen."), code="already_flagged")
    if locked.status == ItemStatus.DESTROYED:
        raise ValidationError(_("This piece is recorded as destroyed."), code="invalid")
    staff = actor if getattr(actor, "pk", None) else None
    locked.status_before_loss = locked.status
    locked.status = status
    locked.save(update_fields=["status", "status_before_loss", "updated_at"])
    cancelled = _pending_cancel(item=locked, keep_approval=approval)
    event = warranty_services.item_event_add(
        brand=brand,
        item=locked,
        kind=f"reported_{status}",
        store=store,
        actor=staff,
        is_public=True,
        data={"by": by, **({"approval": approval.pk} if approval is not None else {})},
    )
    audit_log_record(
        brand=brand,
        action=f"item.reported_{status}",
        actor=staff,
        obj=locked,
        ip=ip,
        data={
            "serial": locked.serial,
            "by": by,
            "store": getattr(store, "code", ""),
            "note": note[:500],
            "owner": locked.owner_id,
            "cancelled": cancelled,
            **({"approval": approval.pk} if approval is not None else {}),
        },
    )
    _loss_alerts_record(brand=brand, event_id=event.pk)
    return locked


def _recovered_apply(
    *, brand: Brand, locked: Item, by: str, store: Any, actor: Any, ip: str | None, approval: Any = None
) -> Item:
    if locked.status not in FLAGGED:
        raise ValidationError(_("This piece is not reported lost or stolen."), code="not_flagged")
    staff = actor if getattr(actor, "pk", None) else None
    previous = locked.status
    locked.status = locked.status_before_loss or (ItemStatus.SOLD if locked.owner_id else ItemStatus.IN_STOCK)
    locked.status_before_loss = ""
    locked.save(update_fields=["status", "status_before_loss", "updated_at"])
    _pending_cancel(item=locked, keep_approval=approval)
    event = warranty_services.item_event_add(
        brand=brand,
        item=locked,
        kind="recovered",
        store=store,
        actor=staff,
        is_public=True,
        data={"was": previous, "by": by, **({"approval": approval.pk} if approval is not None else {})},
    )
    audit_log_record(
        brand=brand,
        action="item.recovered",
        actor=staff,
        obj=locked,
        ip=ip,
        data={
            "serial": locked.serial,
            "was": previous,
            "by": by,
            "store": getattr(store, "code", ""),
            "owner": locked.owner_id,
            **({"approval": approval.pk} if approval is not None else {}),
        },
    )
    _loss_alerts_record(brand=brand, event_id=event.pk)
    return locked


def _infer_by(*, by: str, customer: Customer | None, store: Any) -> str:
    if by:
        return by
    if customer is not None:
        return "owner"
    return "store" if store is not None else "brand"


@transaction.atomic
def item_report_loss(
    *,
    brand: Brand,
    item: Item,
    status: str,
    by: str = "",
    customer: Customer | None = None,
    store: Any = None,
    actor: Any = None,
    note: str = "",
    ip: str | None = None,
) -> Item:
    """Report a piece lost or stolen, by its owner (`customer`), the brand (`actor`, owner or admin) or a
    store (only for a piece in its own stock; otherwise see `store_loss_request`)."""
    if status not in FLAGGED:
        raise ValidationError(_("Choose lost or stolen."), code="invalid")
    by = _infer_by(by=by, customer=customer, store=store)
    locked = Item.objects.select_for_update().get(pk=item.pk)
    _check_loss_actor(
        brand=brand, locked=locked, by=by, customer=customer, store=store, actor=actor, status=locked.status
    )
    return _loss_apply(
        brand=brand, locked=locked, status=status, by=by, store=store, actor=actor, note=note, ip=ip
    )


@transaction.atomic
def item_mark_recovered(
    *,
    brand: Brand,
    item: Item,
    by: str = "",
    customer: Customer | None = None,
    store: Any = None,
    actor: Any = None,
    ip: str | None = None,
) -> Item:
    """Clear the lost/stolen flag: the owner, the brand, or a store for a piece of its own stock."""
    by = _infer_by(by=by, customer=customer, store=store)
    locked = Item.objects.select_for_update().get(pk=item.pk)
    _check_loss_actor(
        brand=brand,
        locked=locked,
        by=by,
        customer=customer,
        store=store,
        actor=actor,
        status=locked.status_before_loss or locked.status,
    )
    return _recovered_apply(brand=brand, locked=locked, by=by, store=store, actor=actor, ip=ip)
