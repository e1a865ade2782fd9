"""The e-mails of the warranty core, each in its recipient's language (English or French).

Services record them in the send log (`*_email_record`, inside their transaction); the send log's
delivery task renders them here, inside the brand's context, and sends each once (jewelcrm.messaging).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.models import Membership
from jewelcrm.accounts.roles import ADMIN_ROLES
from jewelcrm.mail import layout_context
from jewelcrm.messaging.models import Message
from jewelcrm.messaging.registry import Email, email_kind
from jewelcrm.messaging.services import message_send
from warranties.models import Intervention, Registration

SUPPORTED = {code for code, _name in settings.LANGUAGES}
REGISTRATION = "warranties.registration"
FLAGGED_ITEM = "warranties.flagged_item"
INTERVENTION_READY = "warranties.intervention_ready"


def _language(*candidates: str) -> str:
    for code in candidates:
        code = (code or "").split("-")[0].lower()
        if code in SUPPORTED:
            return code
    return "en"


# Why the person gets each e-mail: the footer of the branded layout (jewelcrm.mail) says it.
REASONS = {
    "registration": _("You receive this e-mail because a piece of %(brand)s was registered in your name."),
    "intervention_ready": _("You receive this e-mail because your piece is in the care of %(brand)s."),
    "flagged_item": _("You receive this alert as an owner or admin of %(brand)s."),
}


def _render(template: str, context: dict[str, Any]) -> Email:
    """Render in the active language (the send log's delivery sets the message's), in the brand's layout."""
    subject = render_to_string(f"warranties/email/{template}_subject.txt", context).strip()
    text = render_to_string(f"warranties/email/{template}.txt", context)
    brand = context["brand"]
    layout = layout_context(brand=brand, reason=REASONS[template] % {"brand": brand.name}, subject=subject)
    html = render_to_string(f"warranties/email/{template}.html", {**context, **layout})
    return Email(subject=" ".join(subject.split()), text=text, html=html)


def public_item_url(item: Any) -> str:
    return settings.SITE_URL.rstrip("/") + "/i/" + item.public_code


def confirmation_url(*, brand: Any, customer: Any) -> str:
    from customers.services import consent_confirmation_token

    token = consent_confirmation_token(customer=customer)
    return settings.SITE_URL.rstrip("/") + reverse(
        "portal:confirm", kwargs={"brand_slug": brand.slug, "token": token}
    )


# --- Recording (in the business transaction) -------------------------------------------------------


def registration_email_record(*, brand: Any, registration: Registration, customer: Any) -> Message | None:
    """Ask the new owner to confirm their details and marketing opt-in (double opt-in), once per sale."""
    return message_send(
        brand=brand,
        key=f"registration:{registration.pk}",
        kind=REGISTRATION,
        to=customer.email or "",
        context={"registration_id": registration.pk},
        language=_language(customer.language, brand.default_language),
    )


def flagged_item_alert_record(*, brand: Any, item: Any, store: Any, window_seconds: int) -> int:
    """Alert the brand's owners and admins that someone tried to sell a piece reported lost or stolen.

    One e-mail per person per piece, store and window: a scan followed by a submit alerts once."""
    window = int(timezone.now().timestamp()) // window_seconds
    recipients = list(
        Membership.objects.filter(role__in=sorted(ADMIN_ROLES), is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    store_id = getattr(store, "pk", None)
    for membership in recipients:
        message_send(
            brand=brand,
            key=f"flagged-item:{item.pk}:{store_id or '-'}:{window}:{membership.user_id}",
            kind=FLAGGED_ITEM,
            to=membership.user.email,
            context={"item_id": item.pk, "store_id": store_id, "user_id": membership.user_id},
            language=_language(membership.user.language, brand.default_language),
        )
    return len(recipients)


def intervention_ready_email_record(*, brand: Any, intervention: Intervention) -> Message | None:
    """Tell the owner that their piece is ready for collection, once per intervention."""
    owner = intervention.item.owner
    if owner is None:
        return None
    return message_send(
        brand=brand,
        key=f"intervention-ready:{intervention.pk}",
        kind=INTERVENTION_READY,
        to=owner.email or "",
        context={"intervention_id": intervention.pk},
        language=_language(owner.language, brand.default_language),
    )


# --- Rendering (in the delivery task) ---------------------------------------------------------------


@email_kind(REGISTRATION, label=_("Sale registered: confirm your details"))
def render_registration(message: Message) -> Email | None:
    registration = (
        Registration.objects.filter(pk=message.context.get("registration_id"))
        .select_related("brand", "customer", "item", "item__product", "store")
        .first()
    )
    if registration is None:
        return None
    brand, customer = registration.brand, registration.customer
    context = {
        "brand": brand,
        "customer": customer,
        "registration": registration,
        "item": registration.item,
        "product_name": registration.item.product.name,
        "confirm_url": confirmation_url(brand=brand, customer=customer),
        "item_url": public_item_url(registration.item),
    }
    return _render("registration", context)


@email_kind(FLAGGED_ITEM, label=_("Alert: sale of a piece reported lost or stolen"))
def render_flagged_item(message: Message) -> Email | None:
    from jewelcrm.accounts.models import User
    from jewelcrm.retail.models import Store
    from warranties.inventory.models import Item

    item = Item.objects.filter(pk=message.context.get("item_id")).select_related("brand", "product").first()
    if item is None:
        return None
    store_id = message.context.get("store_id")
    store = Store.objects.filter(pk=store_id).first() if store_id else None
    user = User.objects.filter(pk=message.context.get("user_id")).first()
    return _render("flagged_item", {"brand": item.brand, "item": item, "store": store, "user": user})


@email_kind(INTERVENTION_READY, label=_("Repair or service ready for collection"))
def render_intervention_ready(message: Message) -> Email | None:
    intervention = (
        Intervention.objects.filter(pk=message.context.get("intervention_id"))
        .select_related("brand", "item", "item__product", "item__owner", "store")
        .first()
    )
    if intervention is None or intervention.item.owner is None:
        return None
    owner = intervention.item.owner
    context = {
        "brand": intervention.brand,
        "customer": owner,
        "intervention": intervention,
        "item": intervention.item,
        "product_name": intervention.item.product.name,
        "store": intervention.store,
        "kind": intervention.get_kind_display(),
        "item_url": public_item_url(intervention.item),
    }
    return _render("intervention_ready", context)
