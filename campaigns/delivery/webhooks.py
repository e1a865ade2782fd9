"""The e-mail provider's tracking webhooks (django-anymail, Mailgun; ADR 0037).

anymail's view checks the request (Mailgun's HMAC signature, and HTTP basic auth when
ANYMAIL["WEBHOOK_SECRET"] is set), normalises the events and sends its `tracking` signal; the receiver
below finds the send-log row of each event and records it once (the provider's event id). A hard bounce
or a spam complaint suppresses the address **for the brand that sent it** (the sender is the brand; a
bounce at one brand says nothing about the mailbox's consent to another).

The message is found by the metadata every e-mail carries (`jc_brand`, `jc_message`, set by
jewelcrm.messaging.delivery), else by its Message-ID header (`<jewelcrm.BRAND.ID@host>`); the event's
recipient must be the message's, so a crafted payload cannot suppress anyone else.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from campaigns.delivery.models import DeliveryEventType, SuppressionReason
from campaigns.delivery.selectors import email_key

log = logging.getLogger(__name__)

MESSAGE_ID_HEADER = re.compile(r"jewelcrm\.(\d+)\.(\d+)@")


def _event_kind(event: Any) -> tuple[str, bool] | None:
    """(our event, suppresses the address) for the anymail event types we keep; None for the others."""
    from anymail.signals import EventType, RejectReason

    kind = event.event_type
    if kind == EventType.DELIVERED:
        return DeliveryEventType.DELIVERED, False
    if kind == EventType.BOUNCED:  # Mailgun "failed" of severity "permanent" (temporary ones are DEFERRED)
        return DeliveryEventType.BOUNCED, True
    if kind == EventType.REJECTED and event.reject_reason in (RejectReason.BOUNCED, RejectReason.SPAM):
        # The provider refused to send: the address is on its own bounce or complaint list.
        return DeliveryEventType.BOUNCED, True
    if kind == EventType.COMPLAINED:
        return DeliveryEventType.COMPLAINED, True
    if kind == EventType.OPENED:
        return DeliveryEventType.OPENED, False
    return None


def _locate(event: Any) -> tuple[int, int] | None:
    metadata = event.metadata or {}
    brand_id, message_id = str(metadata.get("jc_brand", "")), str(metadata.get("jc_message", ""))
    if brand_id.isdigit() and message_id.isdigit():
        return int(brand_id), int(message_id)
    match = MESSAGE_ID_HEADER.search(event.message_id or "")
    if match:
        return int(match.group(1)), int(match.group(2))
    return None


def tracking_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's `tracking` signal: record the event on its message; suppress on a hard bounce or a
    complaint. Events about e-mails we cannot find are logged and acknowledged (the provider would
    otherwise retry them for hours)."""
    from campaigns.delivery.services import delivery_event_record, suppression_add
    from jewelcrm.accounts.selectors import brand_get
    from jewelcrm.messaging.selectors import message_get
    from jewelcrm.tenancy.context import brand_context

    kind = _event_kind(event)
    if kind is None:
        return
    located = _locate(event)
    brand = brand_get(brand_id=located[0]) if located else None
    if located is None or brand is None:
        log.info(
            "delivery: %s %s event for an unknown message %s", esp_name, event.event_type, event.message_id
        )
        return
    our_event, suppresses = kind
    with brand_context(brand), transaction.atomic():
        message = message_get(brand=brand, message_id=located[1])
        if message is None or (event.recipient and email_key(event.recipient) != email_key(message.to)):
            log.warning(
                "delivery: %s event names message %s of brand %s, not found", esp_name, located[1], brand.pk
            )
            return
        event_id = event.event_id or f"{esp_name}:{event.event_type}:{message.pk}:{event.timestamp}"
        delivery_event_record(
            brand=brand,
            message_id=message.pk,
            event=our_event,
            provider_event_id=f"{esp_name.lower()}:{event_id}",
            detail=event.description or event.mta_response or "",
            is_permanent=suppresses and our_event == DeliveryEventType.BOUNCED,
            at=event.timestamp,
        )
        if suppresses and message.to and "@" in message.to:
            suppression_add(
                brand=brand,
                email=message.to,
                reason=SuppressionReason.BOUNCE
                if our_event == DeliveryEventType.BOUNCED
                else SuppressionReason.COMPLAINT,
                source=f"{esp_name} webhook",
                at=event.timestamp,
            )


def inbound_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's `inbound` signal: an e-mail to the List-Unsubscribe mailbox (UNSUBSCRIBE_MAILTO), routed
    by the provider to us. Its subject carries the same signed token as the one-click link, which is the
    whole authority (as for the link); anything else in that mailbox is ignored (logged)."""
    from campaigns.delivery.policy import MAILTO_SUBJECT
    from campaigns.delivery.services import unsubscribe_apply
    from campaigns.delivery.tokens import token_read
    from jewelcrm.accounts.selectors import brand_get
    from jewelcrm.tenancy.context import brand_context

    subject = str(getattr(event.message, "subject", "") or "")
    match = re.search(re.escape(MAILTO_SUBJECT) + r"([A-Za-z0-9_\-:.]+)", subject)
    unsubscribe = token_read(match.group(1)) if match else None
    brand = brand_get(brand_id=unsubscribe.brand_id) if unsubscribe else None
    if unsubscribe is None or brand is None:
        log.info("delivery: %s inbound e-mail without a valid unsubscribe token, ignored", esp_name)
        return
    with brand_context(brand):
        unsubscribe_apply(brand=brand, unsubscribe=unsubscribe)


def connect() -> None:
    from anymail.signals import inbound, tracking

    tracking.connect(tracking_received, dispatch_uid="campaigns.delivery.tracking")
    inbound.connect(inbound_received, dispatch_uid="campaigns.delivery.inbound")


@csrf_exempt  # verified by Mailgun's signature (and basic auth) instead: tests/platform/test_csrf.py
def mailgun_tracking(request: HttpRequest) -> HttpResponse:
    """Mailgun's tracking webhook (anymail's view); 404 while Mailgun is not configured."""
    from anymail.webhooks.mailgun import MailgunTrackingWebhookView

    if not (getattr(settings, "ANYMAIL", {}) or {}).get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        raise Http404
    return MailgunTrackingWebhookView.as_view()(request)


@csrf_exempt  # verified by Mailgun's signature (and basic auth) instead: tests/platform/test_csrf.py
def mailgun_inbound(request: HttpRequest) -> HttpResponse:
    """Mailgun's inbound route for the List-Unsubscribe mailbox (anymail's view); 404 unless Mailgun and
    the mailbox are configured."""
    from anymail.webhooks.mailgun import MailgunInboundWebhookView

    configured = (getattr(settings, "ANYMAIL", {}) or {}).get("MAILGUN_WEBHOOK_SIGNING_KEY")
    if not (configured and getattr(settings, "UNSUBSCRIBE_MAILTO", "")):
        raise Http404
    return MailgunInboundWebhookView.as_view()(request)
