"""Reads of campaign delivery (the brand in context): the suppression list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from campaigns.delivery.models import DeliveryEvent, DeliveryEventType, Suppression


def email_key(email: str | None) -> str:
    """The form an address is suppressed under: trimmed, lower-case."""
    return (email or "").strip().lower()


def suppressed_emails(*, brand: Any, emails: Iterable[str]) -> set[str]:
    """Which of `emails` the brand must not send marketing to, in one query (normalised forms returned)."""
    wanted = {key for key in (email_key(e) for e in emails) if key}
    if not wanted:
        return set()
    return set(Suppression.objects.filter(brand=brand, email__in=wanted).values_list("email", flat=True))


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
