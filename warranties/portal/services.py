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
    ApprovalAction,
    ApprovalStatus,
    FoundReport,
    LinkPurpose,
    LoginLink,
    OwnerApproval,
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
NOT_ALLOWED = "not_allowed"


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


def _pending_cancel(*, item: Item, keep_approval: Any = None) -> dict[str, int]:
    """A piece reported lost, or changing hands, keeps no pending transfer and no waiting approval."""
    transfers = Transfer.objects.filter(item=item, status=TransferStatus.PENDING).update(
        status=TransferStatus.CANCELLED
    )
    approvals = OwnerApproval.objects.filter(item=item, status=ApprovalStatus.WAITING)
    if keep_approval is not None:
        approvals = approvals.exclude(pk=keep_approval.pk)
    cancelled = approvals.update(status=ApprovalStatus.CANCELLED, decided_at=timezone.now())
    return {"transfers": transfers, "approvals": cancelled}


def _loss_alerts_after_commit(*, brand: Brand, event_id: int) -> None:
    """The owner and the brand are alerted of every lost/stolen change (one task per e-mail)."""

    def enqueue() -> None:
        from warranties.portal.tasks import send_loss_brand_alert_task, send_loss_owner_alert_task

        send_loss_brand_alert_task.delay(brand.pk, event_id)
        send_loss_owner_alert_task.delay(brand.pk, event_id)

    transaction.on_commit(enqueue)


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
    _loss_alerts_after_commit(brand=brand, event_id=event.pk)
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
    _loss_alerts_after_commit(brand=brand, event_id=event.pk)
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


# --- What a store asks the owner to confirm ---------------------------------------------------------

APPROVAL_LIFETIME = timedelta(days=3)
APPROVAL_INVALID = "approval_invalid"
_APPROVAL_SALT = "jewelcrm.portal.owner-approval"


def owner_approval_token(approval: OwnerApproval) -> str:
    """The secret of the confirmation link: an HMAC of the row with the site's secret key."""
    from django.utils.crypto import salted_hmac

    return salted_hmac(
        _APPROVAL_SALT, f"{approval.brand_id}:{approval.pk}:{approval.nonce}", algorithm="sha256"
    ).hexdigest()


def owner_approval_url(approval: OwnerApproval) -> str:
    return emails.site_url(
        reverse(
            "portal:approval",
            kwargs={
                "brand_slug": approval.brand.slug,
                "pk": approval.pk,
                "token": owner_approval_token(approval),
            },
        )
    )


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
        status=ApprovalStatus.CANCELLED, decided_at=timezone.now()
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
    approval_id = approval.pk

    def enqueue() -> None:
        from warranties.portal.tasks import send_owner_approval_email_task

        send_owner_approval_email_task.delay(brand.pk, approval_id)

    transaction.on_commit(enqueue)
    return approval


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
    approval.save(update_fields=["status", "decided_at"])
    audit_log_record(
        brand=brand,
        action="owner_approval.confirm" if is_confirmed else "owner_approval.refuse",
        obj=approval,
        ip=ip,
        data={"item": locked.serial, "request": approval.action, "owner": approval.customer_id},
    )
    return approval


def _owner_approval_apply(*, brand: Brand, approval: OwnerApproval, locked: Item, ip: str | None) -> None:
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
    _pending_cancel(item=item)
    _transfer_emails_after_commit(brand=brand, transfer=locked)
    return new_owner


def _transfer_emails_after_commit(*, brand: Brand, transfer: Transfer) -> None:
    """The old owner is told, and the new owner welcomed, once the change has committed."""
    transfer_id = transfer.pk

    def enqueue() -> None:
        from warranties.portal.tasks import (
            send_transfer_new_owner_email_task,
            send_transfer_previous_owner_email_task,
        )

        send_transfer_previous_owner_email_task.delay(brand.pk, transfer_id)
        send_transfer_new_owner_email_task.delay(brand.pk, transfer_id)

    transaction.on_commit(enqueue)


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
    _transfer_emails_after_commit(brand=brand, transfer=transfer)
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
