"""The e-mails of the warranty core, each in its recipient's language (English or French).

Called by warranties.tasks inside the brand's context.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.models import Membership
from jewelcrm.accounts.roles import ADMIN_ROLES
from jewelcrm.mail import layout_context
from warranties.models import Intervention, Registration

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def _language(*candidates: str) -> str:
    for code in candidates:
        code = (code or "").split("-")[0].lower()
        if code in SUPPORTED:
            return code
    return "en"


# Why the person gets each e-mail: the footer of the branded layout (jewelcrm.mail) says it.
REASONS = {
    "registration": _(
        "You receive this e-mail because a piece of %(brand)s was registered in your name."
    ),
    "intervention_ready": _("You receive this e-mail because your piece is in the care of %(brand)s."),
    "flagged_item": _("You receive this alert as an owner or admin of %(brand)s."),
}


def _send(*, to: list[str], template: str, context: dict[str, Any], language: str) -> None:
    with translation.override(language):
        subject = render_to_string(f"warranties/email/{template}_subject.txt", context).strip()
        text = render_to_string(f"warranties/email/{template}.txt", context)
        brand = context["brand"]
        layout = layout_context(
            brand=brand, reason=REASONS[template] % {"brand": brand.name}, subject=subject
        )
        html = render_to_string(f"warranties/email/{template}.html", {**context, **layout})
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()


def public_item_url(item: Any) -> str:
    return settings.SITE_URL.rstrip("/") + "/i/" + item.public_code


def confirmation_url(*, brand: Any, customer: Any) -> str:
    from customers.services import consent_confirmation_token

    token = consent_confirmation_token(customer=customer)
    return settings.SITE_URL.rstrip("/") + reverse(
        "portal:confirm", kwargs={"brand_slug": brand.slug, "token": token}
    )


def registration_email_send(*, registration_id: int) -> bool:
    """Ask the new owner to confirm their details and marketing opt-in (double opt-in)."""
    registration = (
        Registration.objects.filter(pk=registration_id)
        .select_related("brand", "customer", "item", "item__product", "store")
        .first()
    )
    if registration is None or not registration.customer.email:
        return False
    brand, customer = registration.brand, registration.customer
    language = _language(customer.language, brand.default_language)
    with translation.override(language):
        context = {
            "brand": brand,
            "customer": customer,
            "registration": registration,
            "item": registration.item,
            "product_name": registration.item.product.name,
            "confirm_url": confirmation_url(brand=brand, customer=customer),
            "item_url": public_item_url(registration.item),
        }
    _send(to=[customer.email], template="registration", context=context, language=language)
    return True


def flagged_item_alert_send(*, item_id: int, store_id: int | None) -> int:
    """Alert the brand's owners and admins that someone tried to sell a piece reported lost or stolen."""
    from jewelcrm.retail.models import Store
    from warranties.inventory.models import Item

    item = Item.objects.filter(pk=item_id).select_related("brand", "product").first()
    if item is None:
        return 0
    store = Store.objects.filter(pk=store_id).first() if store_id else None
    recipients = list(
        Membership.objects.filter(role__in=sorted(ADMIN_ROLES), is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    for membership in recipients:
        language = _language(membership.user.language, item.brand.default_language)
        context = {"brand": item.brand, "item": item, "store": store, "user": membership.user}
        _send(to=[membership.user.email], template="flagged_item", context=context, language=language)
    return len(recipients)


def intervention_ready_email_send(*, intervention_id: int) -> bool:
    """Tell the owner that their piece is ready for collection."""
    intervention = (
        Intervention.objects.filter(pk=intervention_id)
        .select_related("brand", "item", "item__product", "item__owner", "store")
        .first()
    )
    if intervention is None or intervention.item.owner is None or not intervention.item.owner.email:
        return False
    owner = intervention.item.owner
    language = _language(owner.language, intervention.brand.default_language)
    with translation.override(language):
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
    _send(to=[owner.email], template="intervention_ready", context=context, language=language)
    return True
