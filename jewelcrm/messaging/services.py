"""The send log's public API: `message_send` records an e-mail in the caller's transaction; the delivery
task sends it once; the relay enqueues again what is still pending.

Exactly once, as far as a mail server allows: the delivery locks the message's row (the claim), checks it
is still pending, sends, marks it sent and commits. A second delivery of the same message waits for the
lock and finds it sent; a worker killed mid-send drops its connection, PostgreSQL rolls the claim back and
the redelivered task sends it. The only window for a second copy is between the mail server accepting the
message and the commit (a few milliseconds); both copies then carry the same Message-ID header, which mail
clients use to collapse them. See docs/adr/0012-send-log-and-outbox.md.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jewelcrm.messaging.models import Message, MessageStatus
from jewelcrm.messaging.registry import kind_get

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


def message_send(
    *,
    brand: Any,
    key: str,
    kind: str,
    to: str,
    context: dict[str, Any] | None = None,
    language: str = "",
) -> Message | None:
    """Record one e-mail to `to`, sent at most once per (brand, `key`), once the caller's transaction commits.

    `key` names the occasion (e.g. "registration:42"): the same key again sends nothing more (the returned
    object carries the first message's id, with this call's values). `kind` is registered in
    jewelcrm.messaging.registry; `context` holds what its renderer needs (ids, JSON only). Returns None
    when there is no address.
    """
    address = (to or "").strip()
    if not address:
        return None
    if kind_get(kind) is None:
        raise ValueError(f"Unknown kind of e-mail: {kind}")
    key = key[:200]
    now = timezone.now()
    # One statement, no savepoint: INSERT … ON CONFLICT (brand, key) DO UPDATE (a no-op) RETURNING id, so a
    # repeated or concurrent call gets the first message's id. Enqueueing it again is harmless: the
    # delivery finds it sent.
    message = Message(
        brand_id=getattr(brand, "pk", brand),
        key=key,
        kind=kind,
        to=address[:254],
        language=(language or "")[:8],
        context=context or {},
        next_attempt_at=now + RELAY_AFTER,
        created_at=now,
    )
    Message.objects.bulk_create(
        [message], update_conflicts=True, unique_fields=["brand", "key"], update_fields=["key"]
    )
    brand_id, message_id = message.brand_id, message.pk
    transaction.on_commit(lambda: message_enqueue(brand_id=brand_id, message_id=message_id), robust=True)
    return message


def message_enqueue(*, brand_id: int, message_id: int) -> bool:
    """Hand a message to the delivery task. Best effort: when the broker is down, the relay sends it later."""
    from jewelcrm.messaging.tasks import deliver_message_task

    try:
        deliver_message_task.apply_async((brand_id, message_id), retry=False)
    except Exception:  # noqa: BLE001 - the message stays pending in the send log; the relay enqueues it again
        log.warning(
            "messaging: could not enqueue message %s of brand %s; the relay will", message_id, brand_id
        )
        return False
    return True


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


def message_deliver(*, message_id: int) -> str:
    """Send the message if it is still pending; call inside the brand's context (one transaction).

    Returns the message's status afterwards ("missing" when there is no such message in the brand).
    """
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        return "missing"
    if message.status != MessageStatus.PENDING:
        return message.status  # a retry finds it sent (or parked): nothing leaves twice
    kind = kind_get(message.kind)
    message.attempts += 1
    now = timezone.now()
    try:
        with transaction.atomic():  # a database error while rendering must not lose the bookkeeping below
            if kind is None:
                raise ValueError(f"Unknown kind of e-mail: {message.kind}")
            with translation.override(message.language or settings.LANGUAGE_CODE):
                email = kind.render(message)
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
                outgoing.send()
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the message and shown
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if _is_transient(error) and message.attempts < MAX_ATTEMPTS:
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
        message.last_error = ""
        if kind is not None and kind.is_sensitive:
            message.context = {}
    message.save(
        update_fields=["status", "subject", "attempts", "last_error", "next_attempt_at", "sent_at", "context"]
    )
    return message.status


def message_relay(*, brand: Any, now: datetime | None = None, limit: int = RELAY_BATCH) -> int:
    """Enqueue again the brand's pending messages that are due (lost task, dead worker, retry time reached).

    Each is pushed back by RELAY_AFTER, so a message waiting in the queue is not enqueued every minute;
    a message enqueued twice is still sent once. Returns how many were enqueued.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if due:
            Message.objects.filter(pk__in=due).update(next_attempt_at=now + RELAY_AFTER)
    brand_id = getattr(brand, "pk", brand)
    for message_id in due:
        message_enqueue(brand_id=brand_id, message_id=message_id)
    return len(due)


def message_retry(*, brand: Any, message: Message) -> Message:
    """Send a parked message again (after its address or the mail server was fixed); the caller audits."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status != MessageStatus.FAILED:
            raise ValidationError(
                _("Only an e-mail that was not delivered can be sent again."), code="invalid"
            )
        locked.status = MessageStatus.PENDING
        locked.attempts = 0
        locked.next_attempt_at = timezone.now() + RELAY_AFTER
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(
            lambda: message_enqueue(brand_id=locked.brand_id, message_id=locked.pk), robust=True
        )
    return locked


def message_erase_recipient(*, brand: Any, email: str) -> int:
    """GDPR erasure: forget an address in the brand's send log (the rows stay, for the counts); what was
    still waiting is not sent."""
    address = (email or "").strip()
    if not address:
        return 0
    rows = Message.objects.filter(brand_id=getattr(brand, "pk", brand), to__iexact=address)
    rows.filter(status=MessageStatus.PENDING).update(status=MessageStatus.SKIPPED, next_attempt_at=None)
    return rows.update(to="erased", context={}, subject="")
