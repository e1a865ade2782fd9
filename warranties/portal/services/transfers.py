"""Ownership transfer: started by the owner with a code, claimed by the new owner, or done in store."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties import services as warranty_services
from warranties.inventory.models import Item
from warranties.portal import emails
from warranties.portal.models import LinkPurpose, Transfer, TransferKind, TransferStatus
from warranties.portal.services.common import (
    CODE_ALPHABET,
    FLAGGED,
    TRANSFER_INVALID,
    TRANSFER_LIFETIME,
    _hash,
    _language,
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
    _transfer_emails(brand=brand, item=item, previous=previous, new_owner=new_owner)
    return new_owner


def _transfer_emails(*, brand: Brand, item: Item, previous: Customer | None, new_owner: Customer) -> None:
    product = item.product.name_en
    portal = emails.site_url(reverse("portal:sign_in", kwargs={"brand_slug": brand.slug}))
    if previous is not None and previous.email:
        emails.send_after_commit(
            to=[previous.email],
            template="transfer_done_previous",
            language=_language(brand, previous),
            context={"brand_name": brand.name, "product": product, "portal": portal},
        )
    if new_owner.email:
        emails.send_after_commit(
            to=[new_owner.email],
            template="transfer_done_new",
            language=_language(brand, new_owner),
            context={"brand_name": brand.name, "product": product, "portal": portal},
        )


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
) -> Transfer:
    """A store records a change of ownership it witnessed (both parties present)."""
    from customers.normalise import email_normalise
    from customers.selectors import customer_find
    from customers.services import customer_create

    address = email_normalise(email)
    if not address:
        raise ValidationError(_("Enter the new owner's e-mail address."), code="invalid")
    locked = Item.objects.select_for_update().select_related("product").get(pk=item.pk)
    if locked.status in FLAGGED:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot change owner."), code="flagged"
        )
    previous = locked.owner
    if previous is None:
        raise ValidationError(
            _("This piece has no registered owner to transfer from."), code="not_registered"
        )
    new_owner = customer_find(brand=brand, email=address)
    if new_owner is not None and new_owner.pk == previous.pk:
        raise ValidationError(_("This customer already owns this piece."), code="same_owner")
    if new_owner is None:
        new_owner = customer_create(
            brand=brand,
            first_name=first_name,
            last_name=last_name,
            email=address,
            source="store",
            language=brand.default_language,
        )
    warranty_services.registration_transfer(
        brand=brand, item=locked, new_owner=new_owner, store=store, actor=actor, via="store"
    )
    Transfer.objects.filter(item=locked, status=TransferStatus.PENDING).update(
        status=TransferStatus.CANCELLED
    )
    now = timezone.now()
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
    _transfer_emails(brand=brand, item=locked, previous=previous, new_owner=new_owner)
    return transfer
