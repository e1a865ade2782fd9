"""Reads of campaign delivery (the brand in context): the suppression list."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from campaigns.delivery.models import ERASED_PREFIX, DeliveryEvent, DeliveryEventType, Suppression


def email_key(email: str | None) -> str:
    """The form an address is suppressed under: trimmed, lower-case."""
    return (email or "").strip().lower()


def email_hash(email: str | None) -> str:
    """What an erased person's suppressed address becomes (GDPR erasure): still suppressed if the address
    comes back (a re-import), never readable again."""
    key = email_key(email)
    return ERASED_PREFIX + hashlib.sha256(key.encode()).hexdigest() if key else ""


def suppressed_emails(*, brand: Any, emails: Iterable[str]) -> set[str]:
    """Which of `emails` the brand must not send marketing to, in one query (normalised forms returned).
    An address suppressed before its owner was erased still counts (its hash is kept)."""
    wanted = {key for key in (email_key(e) for e in emails) if key}
    if not wanted:
        return set()
    forms = {email_hash(key): key for key in wanted}
    found = Suppression.objects.filter(brand=brand, email__in=[*wanted, *forms]).values_list(
        "email", flat=True
    )
    return {forms.get(value, value) for value in found}


def is_suppressed(*, brand: Any, email: str) -> bool:
    return bool(suppressed_emails(brand=brand, emails=[email]))


def suppression_list(*, brand: Any, reason: str = "", query: str = "") -> QuerySet[Suppression]:
    qs = Suppression.objects.filter(brand=brand)
    if reason:
        qs = qs.filter(reason=reason)
    if query:
        qs = qs.filter(email__icontains=query.strip())
    return qs.order_by("-at", "-id")


def delivery_counts(
    *, brand: Any, message_keys: Iterable[str] | None = None, key_prefix: str = ""
) -> dict[str, int]:
    """For the campaign's measurement page: how many of its e-mails were sent, and how many of those were
    delivered, bounced, marked as spam, opened (inflated by mail privacy proxies) or unsubscribed from.
    Each counts messages, not events (a message opened three times counts once). Two queries."""
    from django.db.models import Count

    from jewelcrm.messaging.selectors import message_list

    messages = message_list(brand=brand)
    if message_keys is not None:
        messages = messages.filter(key__in=list(message_keys))
    elif key_prefix:
        messages = messages.filter(key__startswith=key_prefix)
    else:
        raise ValueError("delivery_counts needs message_keys or a key_prefix")
    counts = dict.fromkeys(("sent", *DeliveryEventType.values), 0)
    counts["sent"] = messages.filter(status="sent").order_by().count()
    rows = (
        DeliveryEvent.objects.filter(brand=brand, message__in=messages.order_by().values("pk"))
        .values("event")
        .annotate(n=Count("message", distinct=True))
        .order_by()
    )
    for row in rows:
        counts[row["event"]] = row["n"]
    return counts
