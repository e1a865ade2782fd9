"""Ownership transfer: started by the owner with a code, claimed by the new owner, or done in store."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties import services as warranty_services
from warranties.inventory.models import Item
from warranties.portal import emails
from warranties.portal.models import (
    ApprovalAction,
    LinkPurpose,
    OwnerApproval,
    Transfer,
    TransferKind,
    TransferStatus,
)
from warranties.portal.services.approval_requests import _owner_approval_create
from warranties.portal.services.common import (
    CODE_ALPHABET,
    FLAGGED,
    TRANSFER_INVALID,
    TRANSFER_LIFETIME,
    _hash,
    _pending_cancel,
)
from warranties.portal.services.service_requests import _owned_item
from warranties.portal.services.signin import _link_create, link_url


def transfer_code_new() -> str:
    """8 symbols (40 random bits) read aloud in two groups: "K7QM-3XDP"."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def transfer_code_normalise(raw: str) -> str:
    compact = "".join(c for c in (raw or "").upper() if c.isalnum())
    compact = compact.replace("O", "0").replace("I", "1").replace("L", "1")
    return f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else ""


@transaction.atomic
def transfer_start(*, brand: Brand, item: Item, customer: Customer, kind: str) -> tuple[Transfer, str]:
    """The owner starts a transfer; returns it with its one-time code (shown once, stored hashed)."""
    if kind not in TransferKind.values:
        raise ValidationError(_("Choose sale or gift."), code="invalid")
    locked = _owned_item(customer=customer, item=item)
    if locked.status in FLAGGED:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot change owner."), code="flagged"
        )
    Transfer.objects.filter(item=locked, status=TransferStatus.PENDING).update(
        status=TransferStatus.CANCELLED
    )
    code = transfer_code_new()
    transfer = Transfer.objects.create(
        brand=brand,
        item=locked,
        from_customer=customer,
        kind=kind,
        code_hash=_hash(brand, code),
        expires_at=timezone.now() + TRANSFER_LIFETIME,
    )
    audit_log_record(
        brand=brand, action="transfer.start", obj=transfer, data={"item": locked.serial, "kind": kind}
    )
    return transfer, code


@transaction.atomic
def transfer_cancel(*, brand: Brand, transfer: Transfer, customer: Customer) -> Transfer:
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.from_customer_id != customer.pk or locked.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer can no longer be cancelled."), code=TRANSFER_INVALID)
    locked.status = TransferStatus.CANCELLED
    locked.save(update_fields=["status"])
    return locked


def transfer_find(*, brand: Brand, code: str) -> Transfer | None:
    """The pending, unexpired transfer of this code, or None."""
    normalised = transfer_code_normalise(code)
    if not normalised:
        return None
    return (
        Transfer.objects.filter(
            brand=brand,
            code_hash=_hash(brand, normalised),
            status=TransferStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        .select_related("item", "item__product")
        .first()
    )


def _transfer_invalid() -> ValidationError:
    return ValidationError(_("This transfer code is wrong or has expired."), code=TRANSFER_INVALID)


@transaction.atomic
def transfer_claim_request(*, brand: Brand, code: str, email: str, ip: str | None = None) -> None:
    """The new owner gives the code and their e-mail; a claim link is sent there to verify it."""
    from customers.normalise import email_normalise

    transfer = transfer_find(brand=brand, code=code)
    if transfer is None:
        raise _transfer_invalid()
    address = email_normalise(email)
    if not address:
        raise ValidationError(_("Enter your e-mail address."), code="invalid")
    if transfer.item.status in FLAGGED:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot change owner."), code="flagged"
        )
    token = _link_create(brand=brand, email=address, purpose=LinkPurpose.CLAIM, transfer=transfer, ip=ip)
    emails.send_after_commit(
        to=[address],
        template="claim",
        language=brand.default_language,
        context={
            "brand_name": brand.name,
            "url": link_url(brand=brand, token=token),
            "minutes": 10,
            "product": transfer.item.product.name_en,
        },
    )


@transaction.atomic
def transfer_accept(*, brand: Brand, transfer: Transfer, email: str, ip: str | None = None) -> Customer:
    """The verified e-mail accepts the transfer (contract C3). Returns the new owner."""
    from customers.selectors import customer_find
    from customers.services import customer_create

    locked = Transfer.objects.select_for_update().filter(pk=transfer.pk).first()
    if locked is None or locked.status != TransferStatus.PENDING or locked.expires_at <= timezone.now():
        raise _transfer_invalid()
    item = Item.objects.select_for_update().select_related("product").get(pk=locked.item_id)
    if item.status in FLAGGED:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot change owner."), code="flagged"
        )
    if item.owner_id != locked.from_customer_id:
        raise _transfer_invalid()
    previous = locked.from_customer
    new_owner = customer_find(brand=brand, email=email)
    if new_owner is not None and new_owner.pk == previous.pk:
        raise ValidationError(
            _("You already own this piece: give the code to the new owner."), code="own_transfer"
        )
    if new_owner is None:
        new_owner = customer_create(
            brand=brand,
            first_name="",
            last_name="",
            email=email,
            source="portal",
            language=brand.default_language,
        )
    with transaction.atomic():
        warranty_services.registration_transfer(
            brand=brand, item=item, new_owner=new_owner, store=locked.store, via="portal"
        )
    locked.status = TransferStatus.ACCEPTED
    locked.to_customer = new_owner
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["status", "to_customer", "accepted_at"])
    Transfer.objects.filter(item=item, status=TransferStatus.PENDING).exclude(pk=locked.pk).update(
        status=TransferStatus.CANCELLED
    )
    _pending_cancel(item=item)
    _transfer_emails_record(brand=brand, transfer=locked)
    return new_owner


def _transfer_emails_record(*, brand: Brand, transfer: Transfer) -> None:
    """The old owner is told, and the new owner welcomed: both messages recorded in the send log inside
    the transfer's transaction (the outbox), so they leave once it commits, and never without it."""
    emails.transfer_previous_owner_email_send(transfer_id=transfer.pk)
    emails.transfer_new_owner_email_send(transfer_id=transfer.pk)


def _new_owner_resolve(
    *, brand: Brand, previous: Customer, email: str, first_name: str, last_name: str
) -> Customer:
    from customers.selectors import customer_find
    from customers.services import customer_create

    new_owner = customer_find(brand=brand, email=email)
    if new_owner is not None and new_owner.pk == previous.pk:
        raise ValidationError(_("This customer already owns this piece."), code="same_owner")
    if new_owner is None:
        new_owner = customer_create(
            brand=brand,
            first_name=first_name,
            last_name=last_name,
            email=email,
            source="store",
            language=brand.default_language,
        )
    return new_owner


def _transfer_in_store_check(*, locked: Item, email: str) -> Customer:
    """The checks of an in-store change of owner; returns the current owner."""
    if locked.status in FLAGGED:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot change owner."), code="flagged"
        )
    previous = locked.owner
    if previous is None:
        raise ValidationError(
            _("This piece has no registered owner to transfer from."), code="not_registered"
        )
    if previous.email and previous.email == email:
        raise ValidationError(_("This customer already owns this piece."), code="same_owner")
    return previous


def _transfer_in_store_apply(
    *,
    brand: Brand,
    locked: Item,
    store: Any,
    actor: Any,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    pending: Transfer | None = None,
    approval: OwnerApproval | None = None,
) -> Transfer:
    """Move the piece to the new owner once the current owner has consented (`pending`: the owner's own
    transfer whose code was typed; `approval`: the request they confirmed by the e-mailed link)."""
    previous = _transfer_in_store_check(locked=locked, email=email)
    new_owner = _new_owner_resolve(
        brand=brand, previous=previous, email=email, first_name=first_name, last_name=last_name
    )
    warranty_services.registration_transfer(
        brand=brand, item=locked, new_owner=new_owner, store=store, actor=actor, via="store"
    )
    now = timezone.now()
    if pending is not None:
        transfer = pending
        transfer.to_customer, transfer.store, transfer.kind = new_owner, store, kind
        transfer.status, transfer.accepted_at = TransferStatus.ACCEPTED, now
        transfer.save(update_fields=["to_customer", "store", "kind", "status", "accepted_at"])
    else:
        transfer = Transfer.objects.create(
            brand=brand,
            item=locked,
            from_customer=previous,
            to_customer=new_owner,
            kind=kind,
            store=store,
            code_hash=_hash(brand, secrets.token_hex(16)),
            status=TransferStatus.ACCEPTED,
            expires_at=now,
            accepted_at=now,
        )
    _pending_cancel(item=locked, keep_approval=approval)
    audit_log_record(
        brand=brand,
        action="transfer.in_store",
        actor=actor if getattr(actor, "pk", None) else None,
        obj=transfer,
        data={
            "item": locked.serial,
            "store": getattr(store, "code", ""),
            "consent": "code" if pending is not None else "link",
            **({"approval": approval.pk} if approval is not None else {}),
        },
    )
    _transfer_emails_record(brand=brand, transfer=transfer)
    return transfer


@transaction.atomic
def transfer_record_in_store(
    *,
    brand: Brand,
    item: Item,
    store: Any,
    actor: Any,
    email: str,
    first_name: str = "",
    last_name: str = "",
    kind: str = TransferKind.SALE,
    owner_code: str = "",
) -> Transfer | OwnerApproval:
    """A store records a change of owner, with the current owner's consent.

    - `owner_code`: the transfer code the owner created in their portal; the change is made at once and
      returns the accepted `Transfer`.
    - no code: the owner is e-mailed a confirmation link and the change waits for it; returns the
      waiting `OwnerApproval`.
    The old owner is told either way."""
    from customers.normalise import email_normalise

    address = email_normalise(email)
    if not address:
        raise ValidationError(_("Enter the new owner's e-mail address."), code="invalid")
    if kind not in TransferKind.values:
        raise ValidationError(_("Choose sale or gift."), code="invalid")
    locked = Item.objects.select_for_update(of=("self",)).select_related("product", "owner").get(pk=item.pk)
    previous = _transfer_in_store_check(locked=locked, email=address)
    if owner_code.strip():
        pending = transfer_find(brand=brand, code=owner_code)
        if pending is None or pending.item_id != locked.pk or pending.from_customer_id != previous.pk:
            raise ValidationError(
                {"owner_code": [_("This transfer code is wrong or has expired.")]}, code=TRANSFER_INVALID
            )
        pending = Transfer.objects.select_for_update().get(pk=pending.pk)
        return _transfer_in_store_apply(
            brand=brand,
            locked=locked,
            store=store,
            actor=actor,
            email=address,
            first_name=first_name,
            last_name=last_name,
            kind=kind,
            pending=pending,
        )
    return _owner_approval_create(
        brand=brand,
        locked=locked,
        store=store,
        actor=actor,
        action=ApprovalAction.TRANSFER,
        new_owner_email=address,
        new_owner_first_name=first_name.strip()[:100],
        new_owner_last_name=last_name.strip()[:100],
        transfer_kind=kind,
    )
