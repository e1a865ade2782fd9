"""A store's request to the owner of a piece, written and e-mailed (the owner answers in `approvals`)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties.inventory.models import Item
from warranties.portal import emails
from warranties.portal.models import ApprovalStatus, OwnerApproval
from warranties.portal.services.common import APPROVAL_PERSONAL_CLEARED, NOT_ALLOWED

APPROVAL_LIFETIME = timedelta(days=3)


def _owner_approval_create(
    *, brand: Brand, locked: Item, store: Any, actor: Any, action: str, **fields: Any
) -> OwnerApproval:
    owner = locked.owner
    if owner is None:
        raise ValidationError(
            _("This piece has no registered owner to confirm: only the brand can do this."), code=NOT_ALLOWED
        )
    if not owner.email:
        raise ValidationError(
            _("The owner has no e-mail address on file to confirm: only the brand can do this."),
            code=NOT_ALLOWED,
        )
    # A new request replaces the one waiting on this piece (the owner is told of each).
    OwnerApproval.objects.filter(item=locked, status=ApprovalStatus.WAITING).update(
        status=ApprovalStatus.CANCELLED, decided_at=timezone.now(), **APPROVAL_PERSONAL_CLEARED
    )
    approval = OwnerApproval.objects.create(
        brand=brand,
        item=locked,
        customer=owner,
        store=store,
        requested_by=actor if getattr(actor, "pk", None) else None,
        action=action,
        nonce=secrets.token_hex(16),
        expires_at=timezone.now() + APPROVAL_LIFETIME,
        **fields,
    )
    audit_log_record(
        brand=brand,
        action="owner_approval.request",
        actor=approval.requested_by,
        obj=approval,
        data={"item": locked.serial, "request": action, "store": getattr(store, "code", "")},
    )
    # The owner's e-mail is recorded in the send log inside this transaction (the outbox): it leaves
    # once the request commits, and a broker that loses the wake-up does not lose the e-mail.
    emails.owner_approval_email_send(approval_id=approval.pk)
    return approval
