"""E-mails of the portal, in the recipient's language and the brand's layout, through the send log
(jewelcrm.messaging): each is recorded in the transaction that causes it (or in the task that decides it)
and sent once by the send log's delivery task.

`send_after_commit` records one message per address in the caller's transaction (the brand in context);
the functions below, called by warranties.portal.tasks, record theirs with a key naming their occasion, so
a task run twice records and sends nothing more.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from jewelcrm.mail import email_html
from jewelcrm.messaging.models import Message
from jewelcrm.messaging.registry import Email, email_kind, kind_get
from jewelcrm.messaging.services import message_send
from jewelcrm.tenancy.context import BrandContextMissing, get_current_brand_id

GENERIC = "portal.email"

# Why the person gets each e-mail: the footer of the branded layout (jewelcrm.mail) says it.
REASONS = {
    "sign_in": _(
        "You receive this e-mail because someone asked to sign in to the %(brand)s owner portal with this "
        "address."
    ),
    "claim": _("You receive this e-mail because this address was given for a piece of %(brand)s."),
    "transfer_done_new": _("You receive this e-mail because a piece of %(brand)s was transferred to you."),
    "transfer_done_previous": _("You receive this e-mail because you owned this piece of %(brand)s."),
    "loss_alert": _("You receive this alert as an owner or admin of %(brand)s."),
    "found_alert": _("You receive this e-mail about a piece of %(brand)s reported lost or stolen."),
}


def _send(
    *, to: list[str], template: str, context: dict[str, Any], language: str, brand: Any = None, key: str = ""
) -> list[Message]:
    """Record the e-mail `template` for each address (one message per address and occasion)."""
    brand_id = getattr(brand, "pk", None) or get_current_brand_id()
    if brand_id is None:
        raise BrandContextMissing("A portal e-mail is recorded inside its brand's context.")
    kind = f"portal.{template}" if kind_get(f"portal.{template}") else GENERIC
    occasion = key or uuid.uuid4().hex
    sent = []
    for address in sorted({a for a in to if a}):
        message = message_send(
            brand=brand_id,
            key=f"portal:{template}:{occasion}:{address}",
            kind=kind,
            to=address,
            context={"template": template, "context": context},
            language=language or "en",
        )
        if message is not None:
            sent.append(message)
    return sent


def send_after_commit(
    *, to: list[str], template: str, context: dict[str, Any], language: str, key: str = ""
) -> list[Message]:
    """Record the e-mail `template` for each address in the caller's transaction; each is sent once after
    it commits. `key` names the occasion (one e-mail per address and occasion); without it, every call is
    its own."""
    return _send(to=to, template=template, context=context, language=language, key=key)


def _render(message: Message) -> Email | None:
    """Render in the message's language (set by the delivery), laid out in the brand's e-mail layout."""
    template = message.context.get("template")
    if not template:
        return None
    context = message.context.get("context", {})
    subject = render_to_string(f"portal/email/{template}_subject.txt", context).strip().replace("\n", " ")
    body = render_to_string(f"portal/email/{template}.txt", context)
    brand = message.brand
    reason = REASONS.get(template, "")
    reason = reason % {"brand": brand.name} if reason else ""
    return Email(
        subject=subject, text=body, html=email_html(brand=brand, text=body, reason=reason, subject=subject)
    )


# The kinds the portal sends; links are secrets, emptied from the log once sent.
email_kind("portal.sign_in", label=_("Owner portal: sign-in link"), is_sensitive=True)(_render)
email_kind("portal.claim", label=_("Owner portal: transfer claim link"), is_sensitive=True)(_render)
email_kind("portal.owner_approval", label=_("Owner's approval asked by a store"), is_sensitive=True)(_render)
email_kind("portal.loss_alert", label=_("Alert: piece reported lost or stolen"))(_render)
email_kind("portal.loss_owner_alert", label=_("Owner told: piece reported lost, stolen or recovered"))(
    _render
)
email_kind("portal.found_alert", label=_("Alert: piece found or offered"))(_render)
email_kind("portal.transfer_done_previous", label=_("Transfer done (previous owner)"))(_render)
email_kind("portal.transfer_done_new", label=_("Transfer done (new owner)"))(_render)
email_kind(GENERIC, label=_("Owner portal e-mail"), is_sensitive=True)(_render)


def brand_alert_recipients(*, brand: Any) -> list[str]:
    """E-mails of the brand's owners and admins (call inside brand_context)."""
    from jewelcrm.accounts.roles import ADMIN_ROLES
    from jewelcrm.accounts.selectors import membership_list

    return sorted(
        {m.user.email for m in membership_list(brand=brand) if m.is_active and m.role in ADMIN_ROLES}
    )


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- E-mails decided by warranties.portal.tasks: one function per e-mail, taking ids ----------------
# Each re-reads its row inside the brand's context, records nothing when the row is gone or the state no
# longer calls for it, and returns how many messages it recorded (each sent once by the send log).


def _customer_language(brand: Any, customer: Any) -> str:
    return (getattr(customer, "language", "") or "") or brand.default_language


def _product(item: Any, language: str) -> str:
    if language == "fr" and getattr(item.product, "name_fr", ""):
        return str(item.product.name_fr)
    return str(item.product.name_en)


def owner_approval_email_send(*, approval_id: int) -> int:
    """Ask the owner to confirm (or refuse) what a store asked about their piece."""
    from django.urls import reverse
    from django.utils import timezone

    from warranties.portal.approval_links import owner_approval_url
    from warranties.portal.models import ApprovalStatus, OwnerApproval

    approval = (
        OwnerApproval.objects.filter(pk=approval_id)
        .select_related("brand", "item", "item__product", "store", "customer")
        .first()
    )
    if (
        approval is None
        or approval.status != ApprovalStatus.WAITING
        or approval.expires_at <= timezone.now()
        or not approval.customer.email
    ):
        return 0
    brand, owner = approval.brand, approval.customer
    language = _customer_language(brand, owner)
    context = {
        "brand_name": brand.name,
        "product": _product(approval.item, language),
        "serial": approval.item.serial,
        "store": approval.store.name,
        "city": approval.store.city,
        "action": approval.action,
        "new_owner": " ".join(
            part for part in (approval.new_owner_first_name, approval.new_owner_last_name) if part
        ),
        "url": owner_approval_url(approval),
        "portal": site_url(reverse("portal:sign_in", kwargs={"brand_slug": brand.slug})),
        "days": 3,
    }
    _send(
        to=[owner.email], template="owner_approval", context=context, language=language, key=f"{approval_id}"
    )
    return 1


def _accepted_transfer(transfer_id: int) -> Any:
    from warranties.portal.models import Transfer, TransferStatus

    return (
        Transfer.objects.filter(pk=transfer_id, status=TransferStatus.ACCEPTED)
        .select_related("brand", "item", "item__product", "store", "from_customer", "to_customer")
        .first()
    )


def transfer_previous_owner_email_send(*, transfer_id: int) -> int:
    """Tell the former owner that their piece now belongs to someone else (and through whom)."""
    from django.urls import reverse

    transfer = _accepted_transfer(transfer_id)
    if transfer is None or transfer.from_customer is None or not transfer.from_customer.email:
        return 0
    brand, previous = transfer.brand, transfer.from_customer
    language = _customer_language(brand, previous)
    context = {
        "brand_name": brand.name,
        "product": _product(transfer.item, language),
        "store": transfer.store.name if transfer.store_id else "",
        "portal": site_url(reverse("portal:sign_in", kwargs={"brand_slug": brand.slug})),
    }
    _send(
        to=[previous.email],
        template="transfer_done_previous",
        context=context,
        language=language,
        key=f"{transfer_id}",
    )
    return 1


def transfer_new_owner_email_send(*, transfer_id: int) -> int:
    """Welcome the new owner of a piece to their owner portal."""
    from django.urls import reverse

    transfer = _accepted_transfer(transfer_id)
    if transfer is None or transfer.to_customer is None or not transfer.to_customer.email:
        return 0
    brand, new_owner = transfer.brand, transfer.to_customer
    language = _customer_language(brand, new_owner)
    context = {
        "brand_name": brand.name,
        "product": _product(transfer.item, language),
        "portal": site_url(reverse("portal:sign_in", kwargs={"brand_slug": brand.slug})),
    }
    _send(
        to=[new_owner.email],
        template="transfer_done_new",
        context=context,
        language=language,
        key=f"{transfer_id}",
    )
    return 1


LOSS_EVENT_KINDS = ("reported_lost", "reported_stolen", "recovered")


def _loss_event(event_id: int) -> Any:
    from warranties.models import ItemEvent

    return (
        ItemEvent.objects.filter(pk=event_id, kind__in=LOSS_EVENT_KINDS)
        .select_related("brand", "item", "item__product", "item__owner", "store")
        .first()
    )


def _loss_context(event: Any, language: str) -> dict[str, Any]:
    return {
        "brand_name": event.brand.name,
        "kind": event.kind,
        "by": event.data.get("by", ""),
        "serial": event.item.serial,
        "product": _product(event.item, language),
        "store": event.store.name if event.store_id else "",
    }


def loss_brand_alert_send(*, event_id: int) -> int:
    """Alert the brand's owners and admins, each in their language, of a lost/stolen change."""
    from jewelcrm.accounts.models import Membership
    from jewelcrm.accounts.roles import ADMIN_ROLES

    event = _loss_event(event_id)
    if event is None:
        return 0
    recipients = list(
        Membership.objects.filter(role__in=sorted(ADMIN_ROLES), is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    for membership in recipients:
        language = membership.user.language or event.brand.default_language
        context = {**_loss_context(event, language), "owner_known": event.item.owner_id is not None}
        _send(
            to=[membership.user.email],
            template="loss_alert",
            context=context,
            language=language,
            key=f"event-{event_id}",
        )
    return len(recipients)


def loss_owner_alert_send(*, event_id: int) -> int:
    """Tell the owner of the piece (when it has one) of a lost/stolen change on it."""
    from django.urls import reverse

    event = _loss_event(event_id)
    if event is None or event.item.owner is None or not event.item.owner.email:
        return 0
    owner = event.item.owner
    language = _customer_language(event.brand, owner)
    context = {
        **_loss_context(event, language),
        "portal": site_url(reverse("portal:sign_in", kwargs={"brand_slug": event.brand.slug})),
    }
    _send(
        to=[owner.email],
        template="loss_owner_alert",
        context=context,
        language=language,
        key=f"event-{event_id}",
    )
    return 1
