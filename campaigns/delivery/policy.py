"""The marketing policy the send log applies to marketing kinds (jewelcrm.messaging.registry):
suppressed addresses are skipped, and what leaves carries RFC 8058 one-click unsubscribe headers and an
unsubscribe link in the footer of the one e-mail layout (templates/email/layout.html, ADR 0029).

Registered by CampaignDeliveryConfig.ready(); the send log never imports campaigns.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from campaigns.delivery.models import Suppression
from campaigns.delivery.selectors import email_hash, email_key
from campaigns.delivery.tokens import Unsubscribe, token_make

# Where the layout's footer takes the unsubscribe link; without it the link goes at the end of the body.
FOOTER_MARKER = "<!--jewelcrm:unsubscribe-->"
# The subject of the List-Unsubscribe mailto: this prefix, then the token.
MAILTO_SUBJECT = "unsubscribe-"


def unsubscribe_for(message: Any) -> Unsubscribe:
    """Who the message's unsubscribe link stops: its address, and the customer its context names."""
    context = message.context if isinstance(message.context, dict) else {}
    customer_id = str(context.get("customer_id") or "")
    return Unsubscribe(
        brand_id=message.brand_id,
        email=email_key(message.to),
        customer_id=int(customer_id) if customer_id.isdigit() else None,
        message_id=message.pk,
        language=message.language or "",
    )


def unsubscribe_url(token: str) -> str:
    path = reverse("campaign_delivery:unsubscribe", kwargs={"token": token})
    return settings.SITE_URL.rstrip("/") + path


def list_unsubscribe_headers(url: str, token: str = "") -> dict[str, str]:
    """RFC 2369 / RFC 8058: the HTTPS link (one-click POST) and, when a mailbox is configured, a mailto
    whose subject carries the token (Mailgun's inbound route hands it to campaigns.delivery.webhooks)."""
    targets = [f"<{url}>"]
    mailbox = getattr(settings, "UNSUBSCRIBE_MAILTO", "")
    if mailbox and token:
        targets.append(f"<mailto:{mailbox}?subject={MAILTO_SUBJECT}{token}>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


class SuppressionPolicy:
    """jewelcrm.messaging.registry.MarketingPolicy of the platform."""

    def skip_reason(self, message: Any) -> str:
        forms = [email_key(message.to), email_hash(message.to)]
        row = Suppression.objects.filter(brand_id=message.brand_id, email__in=forms).only("reason").first()
        if row is None:
            return ""
        with translation.override(settings.LANGUAGE_CODE):  # read by the brand's staff on the send log
            return _("Not sent: the address is on the suppression list (%(reason)s).") % {
                "reason": row.get_reason_display()
            }

    def decorate(self, message: Any, email: Any) -> Any:
        token = token_make(unsubscribe_for(message))
        url = unsubscribe_url(token)
        label = _("Unsubscribe from these e-mails")
        link = (
            f'<p style="margin:8px 0 0;"><a href="{escape(url)}" data-testid="unsubscribe-link" '
            f'style="color:#6b6f78;text-decoration:underline;">{escape(label)}</a></p>'
        )
        html = email.html
        if html:
            if FOOTER_MARKER in html:
                html = html.replace(FOOTER_MARKER, link, 1)
            elif "</body>" in html:
                html = html.replace("</body>", link + "</body>", 1)
            else:
                html += link
        text = f"{email.text.rstrip()}\n\n-- \n{label}: {url}\n"
        headers = {**email.headers, **list_unsubscribe_headers(url, token)}
        return dataclasses.replace(email, html=html, text=text, headers=headers)
