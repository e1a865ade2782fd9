"""Writes of the owner portal. Every function takes the brand explicitly and runs inside its context."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
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
from warranties.inventory.models import Item, ItemStatus
from warranties.portal import emails
from warranties.portal.models import (
    FoundReport,
    LinkPurpose,
    LoginLink,
    Post,
    PostKind,
    Rsvp,
    RsvpAnswer,
    ServiceRequest,
    ServiceRequestStatus,
    Transfer,
    TransferKind,
    TransferStatus,
)

LINK_LIFETIME = timedelta(minutes=10)
TRANSFER_LIFETIME = timedelta(days=14)
FLAGGED = frozenset({ItemStatus.LOST, ItemStatus.STOLEN})
# Crockford's base32 without I, L, O, U: readable aloud, no ambiguous characters.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

LINK_INVALID = "link_invalid"
TRANSFER_INVALID = "transfer_invalid"


def _hash(brand: Brand, secret: str) -> str:
    return hashlib.sha256(f"{brand.pk}:{secret}".encode()).hexdigest()


def _language(brand: Brand, customer: Customer | None) -> str:
    return (customer.language if customer is not None and customer.language else "") or brand.default_language


# --- Sign-in links --------------------------------------------------------------------------------


def _link_create(
    *,
    brand: Brand,
    email: str,
    purpose: str,
    customer: Customer | None = None,
    transfer: Transfer | None = None,
    ip: str | None = None,
) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    LoginLink.objects.create(
        brand=brand,
        purpose=purpose,
        email=email,
        customer=customer,
        transfer=transfer,
        token_hash=_hash(brand, token),
        created_at=now,
        expires_at=now + LINK_LIFETIME,
        ip=ip,
    )
    return token


def link_url(*, brand: Brand, token: str) -> str:
    return emails.site_url(reverse("portal:link", kwargs={"brand_slug": brand.slug, "token": token}))


@transaction.atomic
def login_link_request(*, brand: Brand, email: str, ip: str | None = None) -> bool:
    """E-mail a sign-in link if the address belongs to a customer. The caller answers the same either way.

    Returns whether a link was sent (for tests and logs only, never shown).
    """
    from customers.normalise import email_normalise
    from customers.selectors import customer_find

    try:
        address = email_normalise(email)
    except ValidationError:
        return False
    customer = customer_find(brand=brand, email=address) if address else None
    if customer is None:
        return False
    token = _link_create(brand=brand, email=address, purpose=LinkPurpose.SIGN_IN, customer=customer, ip=ip)
    emails.send_after_commit(
        to=[address],
        template="sign_in",
        language=_language(brand, customer),
        context={"brand_name": brand.name, "url": link_url(brand=brand, token=token), "minutes": 10},
    )
    return True


def login_link_peek(*, brand: Brand, token: str) -> LoginLink | None:
    """The unused, unexpired link of this token (read only: GET never consumes)."""
    return (
        LoginLink.objects.filter(
            brand=brand, token_hash=_hash(brand, token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("transfer")
        .first()
    )


@transaction.atomic
def login_link_consume(*, brand: Brand, token: str) -> LoginLink:
    """Use a link once. ValidationError when unknown, expired or already used."""
    link = LoginLink.objects.select_for_update().filter(brand=brand, token_hash=_hash(brand, token)).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise ValidationError(
            _("This sign-in link has expired or has already been used. Ask for a new one."), code=LINK_INVALID
        )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link


# --- My data --------------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "address",
    "city",
    "postal_code",
    "country",
    "language",
)


@transaction.atomic
def customer_update_own(
    *, brand: Brand, customer: Customer, ip: str | None = None, **fields: Any
) -> Customer:
    """The owner confirms or corrects their own data from the portal."""
    changed = []
    for name in EDITABLE_FIELDS:
        if name in fields and getattr(customer, name) != fields[name]:
            setattr(customer, name, fields[name])
            customer.field_sources[name] = "portal"
            changed.append(name)
    if changed:
        customer.save(update_fields=[*changed, "field_sources", "updated_at"])
        audit_log_record(
            brand=brand, action="customer.portal_update", obj=customer, ip=ip, data={"fields": changed}
        )
    return customer


def consents_set(*, brand: Brand, customer: Customer, wanted: dict[str, bool], ip: str | None = None) -> int:
    """Grant or withdraw consents per channel; writes ledger entries only for what changed."""
    from customers.selectors import consent_current
    from customers.services import consent_record

    written = 0
    with transaction.atomic():
        current = consent_current(brand=brand, customer=customer)
        for channel, is_granted in wanted.items():
            entry = current.get(channel)
            if (entry.is_granted if entry is not None else False) == is_granted and entry is not None:
                continue
            if entry is None and not is_granted:
                continue
            consent_record(
                brand=brand,
                customer=customer,
                channel=channel,
                is_granted=is_granted,
                source="portal",
                ip=ip,
                is_confirmed=bool(customer.email_confirmed_at) if is_granted else False,
                wording_version="portal-1",
            )
            written += 1
    return written


# --- Exclusive content ----------------------------------------------------------------------------


@transaction.atomic
def post_save(*, brand: Brand, actor: Any, post: Post | None = None, **fields: Any) -> Post:
    post = post or Post(brand=brand, created_by=actor if getattr(actor, "pk", None) else None)
    for name, value in fields.items():
        setattr(post, name, value)
    if post.kind != PostKind.EVENT:
        post.event_starts_at, post.event_place, post.capacity = None, "", None
    post.save()
    audit_log_record(
        brand=brand, action="portal_post.save", actor=actor, obj=post, data={"title": post.title}
    )
    return post


@transaction.atomic
def post_publish(*, brand: Brand, post: Post, actor: Any, is_published: bool = True) -> Post:
    post.is_published = is_published
    if is_published and post.published_at is None:
        post.published_at = timezone.now()
    post.save(update_fields=["is_published", "published_at", "updated_at"])
    audit_log_record(
        brand=brand,
        action="portal_post.publish" if is_published else "portal_post.unpublish",
        actor=actor,
        obj=post,
    )
    return post


@transaction.atomic
def rsvp_answer(*, brand: Brand, post: Post, customer: Customer, answer: str) -> Rsvp:
    """Answer an invitation. Idempotent; a "yes" is refused once the event is full."""
    if post.kind != PostKind.EVENT or not post.is_published:
        raise ValidationError(_("This post is not an invitation."), code="not_event")
    if answer not in RsvpAnswer.values:
        raise ValidationError(_("Choose yes or no."), code="invalid")
    locked = Post.objects.select_for_update().get(pk=post.pk)
    existing = Rsvp.objects.filter(post=locked, customer=customer).first()
    if existing is not None and existing.answer == answer:
        return existing
    if answer == RsvpAnswer.YES and locked.capacity is not None:
        taken = Rsvp.objects.filter(post=locked, answer=RsvpAnswer.YES).count()
        if taken >= locked.capacity:
            raise ValidationError(_("Sorry, this event is full."), code="full")
    if existing is None:
        return Rsvp.objects.create(brand=brand, post=locked, customer=customer, answer=answer)
    existing.answer = answer
    existing.answered_at = timezone.now()
    existing.save(update_fields=["answer", "answered_at"])
    return existing


# --- Service requests -----------------------------------------------------------------------------


def _owned_item(*, customer: Customer, item: Item) -> Item:
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if locked.owner_id != customer.pk:
        raise ValidationError(_("This piece is no longer registered to you."), code="not_owner")
    return locked


@transaction.atomic
def service_request_create(
    *, brand: Brand, customer: Customer, item: Item, store: Any, kind: str, message: str = ""
) -> ServiceRequest:
    from warranties.models import InterventionKind

    locked = _owned_item(customer=customer, item=item)
    if locked.status in FLAGGED:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot be serviced."), code="flagged"
        )
    if kind not in InterventionKind.values:
        raise ValidationError(_("Choose a service."), code="invalid")
    if store is None or store.brand_id != brand.pk or not store.is_active:
        raise ValidationError(_("Choose a store."), code="invalid")
    request = ServiceRequest.objects.create(
        brand=brand, item=locked, customer=customer, store=store, kind=kind, message=message.strip()[:2000]
    )
    audit_log_record(brand=brand, action="service_request.create", obj=request, data={"item": locked.serial})
    return request


@transaction.atomic
def service_request_receive(
    *, brand: Brand, service_request: ServiceRequest, store: Any, actor: Any
) -> ServiceRequest:
    """The store has the piece in hand: the request becomes an intervention (contract C2)."""

    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.store_id != store.pk or locked.status != ServiceRequestStatus.REQUESTED:
        raise ValidationError(_("This request is no longer waiting for this store."), code="not_waiting")
    intervention = warranty_services.intervention_create(
        brand=brand,
        item=locked.item,
        store=store,
        kind=locked.kind,
        received_on=timezone.localdate(),
        description=locked.message,
        created_by=actor,
    )
    locked.status = ServiceRequestStatus.RECEIVED
    locked.intervention = intervention
    locked.received_at = timezone.now()
    locked.received_by = actor if getattr(actor, "pk", None) else None
    locked.save(update_fields=["status", "intervention", "received_at", "received_by"])
    return locked


@transaction.atomic
def service_request_cancel(
    *, brand: Brand, service_request: ServiceRequest, customer: Customer
) -> ServiceRequest:
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.customer_id != customer.pk or locked.status != ServiceRequestStatus.REQUESTED:
        raise ValidationError(_("This request can no longer be cancelled."), code="not_waiting")
    locked.status = ServiceRequestStatus.CANCELLED
    locked.save(update_fields=["status"])
    return locked


# --- Lost or stolen -------------------------------------------------------------------------------


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


# --- Ownership transfer ---------------------------------------------------------------------------


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


# --- Public page ----------------------------------------------------------------------------------


@transaction.atomic
def found_report_create(
    *, brand: Brand, item: Item, kind: str, message: str = "", contact: str = "", ip: str | None = None
) -> FoundReport:
    """Someone found or was offered the piece: alert the brand and the owner; tell the sender nothing."""
    report = FoundReport.objects.create(
        brand=brand,
        item=item,
        kind=kind if kind in ("found", "offered") else "found",
        message=message.strip()[:2000],
        contact=contact.strip()[:200],
        ip=ip,
    )
    context = {
        "brand_name": brand.name,
        "serial": item.serial,
        "product": item.product.name_en,
        "kind": report.kind,
        "message": report.message,
        "contact": report.contact,
        "status": item.status,
    }
    emails.send_after_commit(
        to=emails.brand_alert_recipients(brand=brand),
        template="found_alert",
        language=brand.default_language,
        context={**context, "for_brand": True},
    )
    owner = item.owner
    if owner is not None and owner.email:
        emails.send_after_commit(
            to=[owner.email],
            template="found_alert",
            language=_language(brand, owner),
            context={**context, "for_brand": False, "serial": "", "contact": report.contact},
        )
    audit_log_record(brand=brand, action="item.found_report", obj=item, ip=ip, data={"kind": report.kind})
    return report
