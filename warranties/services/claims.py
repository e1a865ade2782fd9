"""Warranty claims: a store asks to be reimbursed for an intervention, the brand decides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.currencies import currency_normalise
from warranties.models import ClaimStatus, Intervention, WarrantyClaim
from warranties.services.interventions import registration_covering
from warranties.services.items import CURRENCY_UNKNOWN, FLAGGED_STATUSES, ITEM_FLAGGED


@transaction.atomic
def claim_create(
    *,
    brand: Brand,
    intervention: Intervention,
    store: Any,
    labour_amount: Decimal | int,
    parts_amount: Decimal | int,
    currency: str = "",
    submitted_by: Any = None,
) -> WarrantyClaim:
    """The store that performed an intervention under warranty asks to be reimbursed."""
    locked = Intervention.objects.select_for_update().select_related("item").get(pk=intervention.pk)
    if locked.store_id != getattr(store, "pk", None):
        raise ValidationError(
            _("Only the store that performed the intervention can claim it."), code="wrong_store"
        )
    if locked.item.status in FLAGGED_STATUSES:
        raise ValidationError(
            _("This piece has been reported lost or stolen; no claim can be made."), code=ITEM_FLAGGED
        )
    if registration_covering(item=locked.item, on=locked.received_on) is None:
        raise ValidationError(
            _("This piece was not under warranty on %(day)s; the intervention cannot be claimed."),
            params={"day": locked.received_on.isoformat()},
            code="outside_warranty",
        )
    labour, parts_ = Decimal(labour_amount or 0), Decimal(parts_amount or 0)
    if labour < 0 or parts_ < 0 or labour + parts_ <= 0:
        raise ValidationError(_("Claim a positive amount for labour and/or parts."), code="invalid_amount")
    code = currency_normalise(currency or locked.currency or getattr(store, "currency", ""))
    if code is None:
        raise ValidationError(
            {"currency": [_("“%(value)s” is not an ISO 4217 currency code.") % {"value": currency}]},
            code=CURRENCY_UNKNOWN,
        )
    if WarrantyClaim.objects.filter(
        intervention=locked,
        status__in=[ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED],
    ).exists():
        raise ValidationError(_("This intervention already has an open claim."), code="claim_exists")
    staff = submitted_by if submitted_by is not None and getattr(submitted_by, "pk", None) else None
    try:
        with transaction.atomic():
            claim = WarrantyClaim.objects.create(
                brand=brand,
                intervention=locked,
                store=store,
                labour_amount=labour,
                parts_amount=parts_,
                currency=code,
                submitted_by=staff,
            )
    except IntegrityError:
        raise ValidationError(
            _("This intervention already has an open claim."), code="claim_exists"
        ) from None
    audit_log_record(
        brand=brand,
        action="claim.submit",
        actor=staff,
        obj=claim,
        data={"intervention": locked.pk, "amount": str(labour + parts_), "currency": code},
    )
    return claim


CLAIM_DECISIONS = ("approve", "partial", "reject")


@transaction.atomic
def claim_decide(
    *,
    brand: Brand,
    claim: WarrantyClaim,
    decision: str,
    actor: Any = None,
    amount: Decimal | None = None,
    reason: str = "",
) -> WarrantyClaim:
    """The brand approves, partially approves (an amount) or rejects (a reason) a submitted claim."""
    locked = WarrantyClaim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != ClaimStatus.SUBMITTED:
        raise ValidationError(_("This claim has already been decided."), code="already_decided")
    total = locked.labour_amount + locked.parts_amount
    reason = (reason or "").strip()
    if decision == "approve":
        locked.status, locked.approved_amount = ClaimStatus.APPROVED, total
    elif decision == "partial":
        if amount is None or not (Decimal(0) < Decimal(amount) < total):
            raise ValidationError(
                {
                    "amount": [
                        _("A partial approval is more than 0 and less than %(total)s.") % {"total": total}
                    ]
                },
                code="invalid_amount",
            )
        if not reason:
            raise ValidationError(
                {"reason": [_("Give the reason for the partial approval.")]}, code="reason_required"
            )
        locked.status, locked.approved_amount = ClaimStatus.PARTIALLY_APPROVED, Decimal(amount)
    elif decision == "reject":
        if not reason:
            raise ValidationError(
                {"reason": [_("Give the reason for the rejection.")]}, code="reason_required"
            )
        locked.status, locked.approved_amount = ClaimStatus.REJECTED, Decimal(0)
    else:
        raise ValidationError({"decision": [_("Unknown decision.")]}, code="invalid")
    locked.decision_reason = reason
    locked.decided_by = actor if actor is not None and getattr(actor, "pk", None) else None
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "approved_amount", "decision_reason", "decided_by", "decided_at"])
    audit_log_record(
        brand=brand,
        action=f"claim.{decision}",
        actor=locked.decided_by,
        obj=locked,
        data={"approved_amount": str(locked.approved_amount), "currency": locked.currency},
    )
    return locked
