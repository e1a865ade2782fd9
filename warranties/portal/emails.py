"""E-mails of the portal, sent after the transaction commits, in the recipient's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def _send(*, to: list[str], template: str, context: dict[str, Any], language: str) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return
    with translation.override(language or "en"):
        subject = render_to_string(f"portal/email/{template}_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"portal/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def send_after_commit(*, to: list[str], template: str, context: dict[str, Any], language: str) -> None:
    """Render now (inside the brand context), send once the transaction has committed."""
    transaction.on_commit(lambda: _send(to=to, template=template, context=context, language=language))


def brand_alert_recipients(*, brand: Any) -> list[str]:
    """E-mails of the brand's owners and admins (call inside brand_context)."""
    from jewelcrm.accounts.roles import ADMIN_ROLES
    from jewelcrm.accounts.selectors import membership_list

    return sorted(
        {m.user.email for m in membership_list(brand=brand) if m.is_active and m.role in ADMIN_ROLES}
    )


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
