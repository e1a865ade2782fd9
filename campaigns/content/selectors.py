"""Reads of campaign content: templates and the counts of opens and clicks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from campaigns.content.models import EmailTemplate, TrackingEvent, TrackingKind

TEMPLATE_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


def template_list(*, brand: Any, search: str = "", sort: str = "name") -> QuerySet[EmailTemplate]:
    templates = EmailTemplate.objects.filter(brand=brand)
    search = (search or "").strip()
    if search:
        templates = templates.filter(
            Q(name__icontains=search) | Q(subject_en__icontains=search) | Q(subject_fr__icontains=search)
        )
    return templates.order_by(*TEMPLATE_SORTS.get(sort, TEMPLATE_SORTS["name"]))


def template_get(*, brand: Any, template_id: int) -> EmailTemplate | None:
    return EmailTemplate.objects.filter(brand=brand, pk=template_id).first()


def tracking_counts(
    *, brand: Any, message_keys_prefix: str = "", keys: Iterable[str] | None = None
) -> dict[str, int]:
    """Opens and clicks of the e-mails whose send-log key starts with `message_keys_prefix` (e.g.
    "camp:12:") or is one of `keys`, in one query: `opened`/`clicked` count events, `unique_opened`/
    `unique_clicked` count e-mails with at least one. Opens are inflated by mail privacy proxies."""
    events = TrackingEvent.objects.filter(brand=brand)
    if keys is not None:
        events = events.filter(message_key__in=list(keys))
    elif message_keys_prefix:
        events = events.filter(message_key__startswith=message_keys_prefix)
    else:
        raise ValueError("Give message_keys_prefix or keys.")
    opened, clicked = Q(kind=TrackingKind.OPENED), Q(kind=TrackingKind.CLICKED)
    counts = events.aggregate(
        opened=Count("id", filter=opened),
        clicked=Count("id", filter=clicked),
        unique_opened=Count("message_key", filter=opened, distinct=True),
        unique_clicked=Count("message_key", filter=clicked, distinct=True),
    )
    return {name: int(value or 0) for name, value in counts.items()}
