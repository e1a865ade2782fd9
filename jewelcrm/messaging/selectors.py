"""Reads of the send log (the brand in context)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jewelcrm.messaging.models import Message, MessageStatus

SORTS = {"created": ("-created_at", "-id"), "-created": ("created_at", "id"), "to": ("to", "-id")}


def message_list(
    *, brand: Any, status: str = "", kind: str = "", query: str = "", sort: str = "created"
) -> QuerySet[Message]:
    qs = Message.objects.filter(brand=brand)
    if status in MessageStatus.values:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(to__icontains=query) | Q(subject__icontains=query) | Q(key__icontains=query))
    return qs.order_by(*SORTS.get(sort, SORTS["created"]))


def message_get(*, brand: Any, message_id: int) -> Message | None:
    return Message.objects.filter(brand=brand, pk=message_id).first()


def message_counts(*, brand: Any) -> dict[str, int]:
    from django.db.models import Count

    rows = Message.objects.filter(brand=brand).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}
