"""Reads of the campaigns engine (the brand in context)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from campaigns.models import Campaign, Journey, JourneyRun, Recipient, RecipientStatus


def journey_list(*, brand: Any) -> QuerySet[Journey]:
    return Journey.objects.filter(brand=brand).select_related("segment", "template").order_by("kind")


def journey_get(*, brand: Any, journey_id: int) -> Journey | None:
    return Journey.objects.filter(brand=brand, pk=journey_id).select_related("segment", "template").first()


def campaign_list(*, brand: Any, status: str = "") -> QuerySet[Campaign]:
    qs = Campaign.objects.filter(brand=brand).select_related("segment", "created_by", "approved_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def campaign_get(*, brand: Any, campaign_id: int) -> Campaign | None:
    return (
        Campaign.objects.filter(brand=brand, pk=campaign_id)
        .select_related("segment", "template", "created_by", "approved_by")
        .first()
    )


def recipient_log(
    *, brand: Any, journey: Journey | None = None, campaign: Campaign | None = None, status: str = ""
) -> QuerySet[Recipient]:
    qs = Recipient.objects.filter(brand=brand)
    qs = qs.filter(journey=journey) if journey is not None else qs.filter(campaign=campaign)
    if status in RecipientStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def recipient_counts(
    *, brand: Any, journey: Journey | None = None, campaign: Campaign | None = None
) -> dict[str, int]:
    qs = recipient_log(brand=brand, journey=journey, campaign=campaign)
    return {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id")).order_by()}


def journey_counts(*, brand: Any) -> dict[int, dict[str, int]]:
    """Per journey: recipient rows by status (one query, for the list page)."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Recipient.objects.filter(brand=brand, journey__isnull=False)
        .values("journey_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["journey_id"], {})[row["status"]] = row["n"]
    return counts


def run_list(*, brand: Any) -> QuerySet[JourneyRun]:
    return JourneyRun.objects.filter(brand=brand).order_by("-local_date")
