"""Delivery of the send log (the task's side): claim, render, send, mark; retries and the relay.

At most once, and exactly once when the mail provider can be asked (ADR 0040, after ADR 0012):

1. The delivery takes a session-level advisory lock on the message: a second delivery of the same message
   waits for it, and a delivery whose worker dies releases it with its connection.
2. It marks the row "sending" and commits that, alone, before anything is handed to the mail server.
3. It renders, sends with a Message-ID made from the row, marks the row sent, and commits.

A delivery that takes the lock and finds the row still "sending" knows its sender died between 2 and 3:
the mail server may or may not have accepted the message, and resending could give the recipient a
second copy. It asks the provider (`MESSAGING_DELIVERY_CHECK`, a function taking the message and its
Message-ID, answering True: delivered, False: not received, None: cannot tell): delivered, the row is
marked sent; not received, it is sent now; otherwise the row is parked as "Delivery uncertain" on the
send log's page, where a person decides (Send again), instead of a silent duplicate.

The tasks call this module; the services enqueue the tasks; so this module imports neither.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from jewelcrm.messaging.models import RELAYED_STATUSES, Message, MessageStatus
from jewelcrm.messaging.registry import Email, SendDeferred, kind_get, marketing_policy
from jewelcrm.tenancy.context import brand_context

log = logging.getLogger(__name__)

# The delivery task's hard time limit (jewelcrm.messaging.tasks); a pending message not sent within twice
# that is enqueued again by the relay (its task was lost with the broker, or its worker died).
DELIVERY_TIME_LIMIT = 60
RELAY_AFTER = timedelta(seconds=2 * DELIVERY_TIME_LIMIT)
# Transient failures (mail server unreachable, 4xx answers) are retried with a doubling delay, capped;
# after MAX_ATTEMPTS the message is parked as not delivered, like a permanent failure (5xx answers).
MAX_ATTEMPTS = 8
RETRY_FIRST = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
RELAY_BATCH = 500
LOCK_NAMESPACE = 0x4A430000  # "JC": the send log's advisory locks
UNCERTAIN_REASON = _(
    "The sending stopped while the message was being handed to the mail server: it may or may not have "
    "arrived. Ask the recipient, then send it again if needed."
)


def message_id_header(message: Message) -> str:
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "jewelcrm.localhost"
    return f"<jewelcrm.{message.brand_id}.{message.pk}@{domain}>"


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _reason in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    return isinstance(error, smtplib.SMTPException | OSError)


def _retry_delay(attempts: int) -> timedelta:
    return min(RETRY_FIRST * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def _render(kind: Any, message: Message) -> tuple[Email | None, str]:
    """The e-mail to send (None: nothing to send) and, for a marketing e-mail not sent, why.

    A marketing kind meets the marketing policy (registered by campaigns.delivery): an address it refuses
    (suppressed) is skipped with the reason, before rendering; what it sends gets the RFC 8058
    List-Unsubscribe headers and the footer's unsubscribe link. With no policy installed a marketing
    e-mail is not sent at all (it fails, and is parked). Transactional kinds never meet it.
    """
    if not kind.is_marketing:
        return kind.render(message), ""
    policy = marketing_policy()
    if policy is None:
        raise RuntimeError("No marketing policy is installed: a marketing e-mail cannot be sent")
    reason = policy.skip_reason(message)
    if reason:
        return None, reason
    email = kind.render(message)
    return (policy.decorate(message, email) if email is not None else None), ""


def _lock_key(brand_id: int, message_id: int) -> tuple[int, int]:
    # pg_advisory_lock(int4, int4): a namespace mixed with the brand, and the message id folded to int4
    # (a collision only makes two deliveries wait for each other).
    return (LOCK_NAMESPACE ^ (brand_id & 0xFFFF)) - 2**31, message_id % 2**31


def delivery_check(message: Message) -> bool | None:
    """Ask the provider whether the message reached it (see the module docstring)."""
    path = getattr(settings, "MESSAGING_DELIVERY_CHECK", "") or ""
    if not path:
        return None
    try:
        return import_string(path)(message, message_id_header(message))
    except Exception:  # noqa: BLE001 - a check that fails cannot tell
        log.exception("messaging: the delivery check failed for message %s", message.pk)
        return None


def message_deliver(*, brand_id: int, message_id: int) -> str:
    """Send the message if it is still to be sent. Call outside any transaction: it commits the claim,
    then the outcome (inside one, as in the test suite's eager mode, both are savepoints). Returns the
    message's status afterwards ("missing" when there is no such message in the brand)."""
    key = _lock_key(brand_id, message_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        with brand_context(brand_id):
            claimed = _claim(message_id)
        if isinstance(claimed, str):
            return claimed
        with brand_context(brand_id):
            return _send(message_id)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _claim(message_id: int) -> Message | str:
    """Mark the message "sending" (committed by the caller's block) or say why there is nothing to send."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        return "missing"
    if message.status == MessageStatus.SENDING:
        # We hold the message's lock, so its sender is gone: did the mail server accept it?
        found = delivery_check(message)
        if found:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.next_attempt_at = None
            message.last_error = ""
            kind = kind_get(message.kind)
            if kind is not None and kind.is_sensitive:
                message.context = {}
            message.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error", "context"])
            log.warning("messaging: message %s found delivered after its sender died", message.pk)
            return message.status
        if found is None:
            message.status = MessageStatus.UNCERTAIN
            message.next_attempt_at = None
            message.last_error = UNCERTAIN_REASON
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            log.error("messaging: message %s parked as uncertain (its sender died mid-send)", message.pk)
            return message.status
        log.warning("messaging: message %s not received after its sender died: sent again", message.pk)
    elif message.status != MessageStatus.PENDING:
        return message.status  # a retry finds it sent (or parked): nothing leaves twice
    message.status = MessageStatus.SENDING
    message.attempts += 1
    message.next_attempt_at = timezone.now() + RELAY_AFTER
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    return message


def _send(message_id: int) -> str:
    message = Message.objects.select_for_update().get(pk=message_id)
    kind = kind_get(message.kind)
    now = timezone.now()
    skip_reason = ""
    try:
        with transaction.atomic():  # a database error while rendering must not lose the bookkeeping below
            if kind is None:
                raise ValueError(f"Unknown kind of e-mail: {message.kind}")
            with translation.override(message.language or settings.LANGUAGE_CODE):
                email, skip_reason = _render(kind, message)
            if email is not None:
                message.subject = " ".join(email.subject.split())[:255]
                outgoing = EmailMultiAlternatives(
                    subject=message.subject,
                    body=email.text,
                    to=[message.to],
                    headers={**email.headers, "Message-ID": message_id_header(message)},
                )
                if email.html:
                    outgoing.attach_alternative(email.html, "text/html")
                # Read by the e-mail provider's backend (django-anymail), ignored over SMTP: the provider's
                # webhooks send them back, naming the brand and the row of each event.
                outgoing.metadata = {  # type: ignore[attr-defined]
                    "jc_brand": str(message.brand_id),
                    "jc_message": str(message.pk),
                }
                outgoing.send()
                status = getattr(outgoing, "anymail_status", None)
                message.provider_id = str(getattr(status, "message_id", None) or "")[:255]
    except SendDeferred as deferred:  # quiet hours: not a failure, no attempt counted, nothing left
        message.status = MessageStatus.PENDING
        message.attempts -= 1
        message.next_attempt_at = deferred.until
        message.last_error = deferred.reason[:2000]
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the message and shown
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if _is_transient(error) and message.attempts < MAX_ATTEMPTS:
            message.status = MessageStatus.PENDING
            message.next_attempt_at = now + _retry_delay(message.attempts)
            log.warning(
                "messaging: message %s failed (attempt %s), retried later: %s",
                message.pk,
                message.attempts,
                message.last_error,
            )
        else:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
            log.error("messaging: message %s parked as not delivered: %s", message.pk, message.last_error)
    else:
        message.status = MessageStatus.SENT if email is not None else MessageStatus.SKIPPED
        message.sent_at = now if email is not None else None
        message.next_attempt_at = None
        message.last_error = skip_reason[:2000]  # why a marketing e-mail was not sent (suppressed address)
        if kind is not None and kind.is_sensitive:
            message.context = {}
    message.save(
        update_fields=[
            "status",
            "subject",
            "attempts",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "context",
            "provider_id",
        ]
    )
    return message.status


def message_relay(
    *,
    brand: Any,
    enqueue: Callable[..., Any],
    now: datetime | None = None,
    limit: int = RELAY_BATCH,
) -> int:
    """Enqueue again the brand's messages that are due: pending ones (lost task, dead worker, retry time
    reached) and "sending" ones whose sender may have died (the delivery finds out, see above).

    Each is pushed back by RELAY_AFTER, so a message waiting in the queue is not enqueued every minute;
    a message enqueued twice is still sent once. `enqueue(brand_id=, message_id=)` hands one to the broker.
    Returns how many were enqueued.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status__in=RELAYED_STATUSES, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if due:
            Message.objects.filter(pk__in=due).update(next_attempt_at=now + RELAY_AFTER)
    brand_id = getattr(brand, "pk", brand)
    for message_id in due:
        enqueue(brand_id=brand_id, message_id=message_id)
    return len(due)
