"""E-mails of the portal, sent after the transaction commits, in the recipient's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jewelcrm.mail import email_html

# Why the person gets each e-mail: the footer of the branded layout (jewelcrm.mail) says it.
REASONS = {
    "sign_in": _(
        "You receive this e-mail because someone asked to sign in to the %(brand)s owner portal with this "
        "address."
    ),
    "claim": _("You receive this e-mail because this address was given for a piece of %(brand)s."),
    "transfer_done_new": _(
        "You receive this e-mail because a piece of %(brand)s was transferred to you."
    ),
    "transfer_done_previous": _("You receive this e-mail because you owned this piece of %(brand)s."),
    "loss_alert": _("You receive this alert as an owner or admin of %(brand)s."),
    "found_alert": _("You receive this e-mail about a piece of %(brand)s reported lost or stolen."),
}


def _send(*, to: list[str], template: str, context: dict[str, Any], language: str, brand: Any = None) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return
    with translation.override(language or "en"):
        subject = render_to_string(f"portal/email/{template}_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"portal/email/{template}.txt", context)
        html = None
        if brand is not None:
            reason = REASONS.get(template, "")
            reason = reason % {"brand": brand.name} if reason else ""
            html = email_html(brand=brand, text=body, reason=reason, subject=subject)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, html_message=html)


def send_after_commit(*, to: list[str], template: str, context: dict[str, Any], language: str) -> None:
    """Render now (inside the brand context), send once the transaction has committed, laid out in the
    brand's e-mail layout (the brand is the one in context)."""
    brand = _current_brand()
    transaction.on_commit(
        lambda: _send(to=to, template=template, context=context, language=language, brand=brand)
    )


def _current_brand() -> Any:
    from jewelcrm.accounts.models import Brand
    from jewelcrm.tenancy.context import get_current_brand_id

    brand_id = get_current_brand_id()
    return Brand.objects.filter(pk=brand_id).first() if brand_id else None


def brand_alert_recipients(*, brand: Any) -> list[str]:
    """E-mails of the brand's owners and admins (call inside brand_context)."""
    from jewelcrm.accounts.roles import ADMIN_ROLES
    from jewelcrm.accounts.selectors import membership_list

    return sorted(
        {m.user.email for m in membership_list(brand=brand) if m.is_active and m.role in ADMIN_ROLES}
    )


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
