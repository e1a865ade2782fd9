"""Lifetimes, codes and helpers shared by the owner portal's writes."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.utils import timezone

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from warranties.inventory.models import Item, ItemStatus
from warranties.portal.models import ApprovalStatus, OwnerApproval, Transfer, TransferStatus

LINK_LIFETIME = timedelta(minutes=10)
TRANSFER_LIFETIME = timedelta(days=14)
FLAGGED = frozenset({ItemStatus.LOST, ItemStatus.STOLEN})
# Crockford's base32 without I, L, O, U: readable aloud, no ambiguous characters.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

LINK_INVALID = "link_invalid"
TRANSFER_INVALID = "transfer_invalid"
NOT_ALLOWED = "not_allowed"


def _hash(brand: Brand, secret: str) -> str:
    return hashlib.sha256(f"{brand.pk}:{secret}".encode()).hexdigest()


def _language(brand: Brand, customer: Customer | None) -> str:
    return (customer.language if customer is not None and customer.language else "") or brand.default_language


# A request that is no longer waiting keeps nothing of the would-be new owner (data minimisation).
APPROVAL_PERSONAL_CLEARED = {"new_owner_email": "", "new_owner_first_name": "", "new_owner_last_name": ""}


def _pending_cancel(*, item: Item, keep_approval: Any = None) -> dict[str, int]:
    """A piece reported lost, or changing hands, keeps no pending transfer and no waiting approval."""
    transfers = Transfer.objects.filter(item=item, status=TransferStatus.PENDING).update(
        status=TransferStatus.CANCELLED
    )
    approvals = OwnerApproval.objects.filter(item=item, status=ApprovalStatus.WAITING)
    if keep_approval is not None:
        approvals = approvals.exclude(pk=keep_approval.pk)
    cancelled = approvals.update(
        status=ApprovalStatus.CANCELLED, decided_at=timezone.now(), **APPROVAL_PERSONAL_CLEARED
    )
    return {"transfers": transfers, "approvals": cancelled}
