"""The send log's public API: `message_send` records an e-mail in the caller's transaction; the delivery
task sends it once; the relay enqueues again what is still pending.

At most once, and exactly once when the mail provider can be asked: the delivery commits a "sending"
claim before the message leaves; a message found "sending" after its sender died is checked with the
provider by its Message-ID, or parked as "Delivery uncertain" for a person, never resent on a guess.
See delivery.py, docs/adr/0012-send-log-and-outbox.md and docs/adr/0040-at-most-once-delivery.md.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.messaging import delivery
from jewelcrm.messaging.delivery import (
    DELIVERY_TIME_LIMIT,
    MAX_ATTEMPTS,
    RELAY_AFTER,
    RETRY_CAP,
    message_deliver,
    message_id_header,
)
from jewelcrm.messaging.models import Message, MessageStatus
from jewelcrm.messaging.registry import kind_get

__all__ = [
    "DELIVERY_TIME_LIMIT",
    "MAX_ATTEMPTS",
    "RELAY_AFTER",
    "RETRY_CAP",
    "message_deliver",
    "message_enqueue",
    "message_erase_recipient",
    "message_id_header",
    "message_relay",
    "message_retry",
    "message_send",
]

log = logging.getLogger(__name__)


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


def message_relay(*, brand: Any, now: datetime | None = None, limit: int = delivery.RELAY_BATCH) -> int:
    """Enqueue again the brand's pending messages that are due (see delivery.message_relay)."""
    return delivery.message_relay(brand=brand, enqueue=message_enqueue, now=now, limit=limit)


def message_retry(*, brand: Any, message: Message) -> Message:
    """Send a parked message again (after its address or the mail server was fixed); the caller audits."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status not in (MessageStatus.FAILED, MessageStatus.UNCERTAIN):
            raise ValidationError(
                _("Only an e-mail not delivered, or whose delivery is uncertain, can be sent again."),
                code="invalid",
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
