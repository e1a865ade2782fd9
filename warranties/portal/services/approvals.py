"""What a store asks the owner of a piece to confirm (a change of owner, a loss or theft report, a
recovery), by a link e-mailed to the owner; nothing changes before the owner confirms."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties.inventory.models import Item, ItemStatus
from warranties.portal.approval_links import owner_approval_token
from warranties.portal.models import ApprovalAction, ApprovalStatus, OwnerApproval, TransferKind
from warranties.portal.services.approval_requests import _owner_approval_create
from warranties.portal.services.common import APPROVAL_PERSONAL_CLEARED, FLAGGED
from warranties.portal.services.loss import _loss_apply, _recovered_apply, item_in_store_stock

APPROVAL_INVALID = "approval_invalid"


@transaction.atomic
def store_loss_request(
    *, brand: Brand, item: Item, store: Any, actor: Any, status: str, note: str = "", ip: str | None = None
) -> Item | OwnerApproval:
    """A store reports a piece lost or stolen: at once for its own stock, else the owner must confirm.

    Returns the item (reported) or the `OwnerApproval` waiting for the owner."""
    if status not in FLAGGED:
        raise ValidationError(_("Choose lost or stolen."), code="invalid")
    locked = Item.objects.select_for_update(of=("self",)).select_related("owner").get(pk=item.pk)
    if item_in_store_stock(item=locked, store=store):
        return _loss_apply(
            brand=brand, locked=locked, status=status, by="store", store=store, actor=actor, note=note, ip=ip
        )
    if locked.status in FLAGGED:
        raise ValidationError(_("This piece is already reported lost or stolen."), code="already_flagged")
    if locked.status == ItemStatus.DESTROYED:
        raise ValidationError(_("This piece is recorded as destroyed."), code="invalid")
    action = ApprovalAction.REPORT_STOLEN if status == ItemStatus.STOLEN else ApprovalAction.REPORT_LOST
    return _owner_approval_create(
        brand=brand, locked=locked, store=store, actor=actor, action=action, note=note[:500]
    )


@transaction.atomic
def store_recovered_request(
    *, brand: Brand, item: Item, store: Any, actor: Any, ip: str | None = None
) -> Item | OwnerApproval:
    """A store marks a piece recovered: at once for its own stock, else the owner must confirm."""
    locked = Item.objects.select_for_update(of=("self",)).select_related("owner").get(pk=item.pk)
    if locked.status not in FLAGGED:
        raise ValidationError(_("This piece is not reported lost or stolen."), code="not_flagged")
    if item_in_store_stock(item=locked, store=store, status=locked.status_before_loss or locked.status):
        return _recovered_apply(brand=brand, locked=locked, by="store", store=store, actor=actor, ip=ip)
    return _owner_approval_create(
        brand=brand, locked=locked, store=store, actor=actor, action=ApprovalAction.RECOVERED
    )


def owner_approval_get(*, brand: Brand, approval_id: int, token: str) -> OwnerApproval | None:
    """The approval of this link if its token is right (whatever its status), else None."""
    approval = (
        OwnerApproval.objects.filter(brand=brand, pk=approval_id)
        .select_related("brand", "item", "item__product", "store", "customer")
        .first()
    )
    if approval is None or not secrets.compare_digest(owner_approval_token(approval), token or ""):
        return None
    return approval


def _approval_invalid() -> ValidationError:
    return ValidationError(
        _("This confirmation link has expired or has already been used."), code=APPROVAL_INVALID
    )


@transaction.atomic
def owner_approval_decide(
    *, brand: Brand, approval_id: int, token: str, is_confirmed: bool, ip: str | None = None
) -> OwnerApproval:
    """The owner confirms or refuses what a store asked, by the link e-mailed to them (POST only)."""
    found = owner_approval_get(brand=brand, approval_id=approval_id, token=token)
    if found is None:
        raise _approval_invalid()
    approval = OwnerApproval.objects.select_for_update().get(pk=found.pk)
    if approval.status != ApprovalStatus.WAITING or approval.expires_at <= timezone.now():
        raise _approval_invalid()
    locked = (
        Item.objects.select_for_update(of=("self",))
        .select_related("product", "owner")
        .get(pk=approval.item_id)
    )
    if locked.owner_id != approval.customer_id:
        raise _approval_invalid()
    if is_confirmed:
        with transaction.atomic():
            _owner_approval_apply(brand=brand, approval=approval, locked=locked, ip=ip)
    approval.status = ApprovalStatus.CONFIRMED if is_confirmed else ApprovalStatus.REFUSED
    approval.decided_at = timezone.now()
    for name, value in APPROVAL_PERSONAL_CLEARED.items():
        setattr(approval, name, value)
    approval.save(update_fields=["status", "decided_at", *APPROVAL_PERSONAL_CLEARED])
    audit_log_record(
        brand=brand,
        action="owner_approval.confirm" if is_confirmed else "owner_approval.refuse",
        obj=approval,
        ip=ip,
        data={"item": locked.serial, "request": approval.action, "owner": approval.customer_id},
    )
    return approval


def _owner_approval_apply(*, brand: Brand, approval: OwnerApproval, locked: Item, ip: str | None) -> None:
    from warranties.portal.services.transfers import _transfer_in_store_apply

    store, actor = approval.store, approval.requested_by
    if approval.action == ApprovalAction.TRANSFER:
        _transfer_in_store_apply(
            brand=brand,
            locked=locked,
            store=store,
            actor=actor,
            email=approval.new_owner_email,
            first_name=approval.new_owner_first_name,
            last_name=approval.new_owner_last_name,
            kind=approval.transfer_kind or TransferKind.SALE,
            approval=approval,
        )
    elif approval.action == ApprovalAction.RECOVERED:
        _recovered_apply(
            brand=brand, locked=locked, by="store", store=store, actor=actor, ip=ip, approval=approval
        )
    else:
        status = ItemStatus.STOLEN if approval.action == ApprovalAction.REPORT_STOLEN else ItemStatus.LOST
        _loss_apply(
            brand=brand,
            locked=locked,
            status=status,
            by="store",
            store=store,
            actor=actor,
            note=approval.note,
            ip=ip,
            approval=approval,
        )
