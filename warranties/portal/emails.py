"""E-mails of the portal, in the recipient's language, through the send log (jewelcrm.messaging).

`send_after_commit` renders nothing: it records one message per address in the caller's transaction
(the brand in context); the send log's delivery task renders the template and sends it once, after commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from jewelcrm.messaging.models import Message
from jewelcrm.messaging.registry import Email, email_kind, kind_get
from jewelcrm.messaging.services import message_send
from jewelcrm.tenancy.context import require_brand_id

GENERIC = "portal.email"


def send_after_commit(
    *, to: list[str], template: str, context: dict[str, Any], language: str, key: str = ""
) -> list[Message]:
    """Record the e-mail `template` for each address; each is sent once after the transaction commits.

    `key` names the occasion (one e-mail per address and occasion); without it, every call is its own.
    """
    brand_id = require_brand_id()
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


def _render(message: Message) -> Email | None:
    template = message.context.get("template")
    if not template:
        return None
    context = message.context.get("context", {})
    subject = render_to_string(f"portal/email/{template}_subject.txt", context).strip().replace("\n", " ")
    return Email(subject=subject, text=render_to_string(f"portal/email/{template}.txt", context))


# The kinds the portal sends; a sign-in or claim link is a secret, emptied from the log once sent.
email_kind("portal.sign_in", label=_("Owner portal: sign-in link"), is_sensitive=True)(_render)
email_kind("portal.claim", label=_("Owner portal: transfer claim link"), is_sensitive=True)(_render)
email_kind("portal.loss_alert", label=_("Alert: piece reported lost or stolen"))(_render)
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
