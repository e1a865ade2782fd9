"""Reads of the segmentation app (brand-filtered; fixed query counts on the pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from segmentation.models import ACTIVE_STATUSES, CustomerScore, PipelineRun, Segment, SegmentRules


def published_run(*, brand: Any) -> PipelineRun | None:
    return PipelineRun.objects.filter(brand=brand, is_published=True).first()


def run_list(*, brand: Any) -> QuerySet[PipelineRun]:
    return (
        PipelineRun.objects.filter(brand=brand).select_related("requested_by").order_by("-queued_at", "-id")
    )


def run_get(*, brand: Any, run_id: int) -> PipelineRun | None:
    return PipelineRun.objects.filter(brand=brand, pk=run_id).first()


def active_run(*, brand: Any) -> PipelineRun | None:
    return PipelineRun.objects.filter(brand=brand, status__in=ACTIVE_STATUSES).first()


def rules_get(*, brand: Any) -> SegmentRules | None:
    return SegmentRules.objects.filter(brand=brand).first()


def segment_list(*, brand: Any) -> QuerySet[Segment]:
    return Segment.objects.filter(brand=brand).order_by("name", "pk")


def segment_get(*, brand: Any, segment_id: int) -> Segment | None:
    return Segment.objects.filter(brand=brand, pk=segment_id).first()


def score_get(*, brand: Any, customer_id: int) -> CustomerScore | None:
    """The customer's scores in the published run (None when not scored or erased)."""
    run = published_run(brand=brand)
    if run is None:
        return None
    return CustomerScore.objects.filter(brand=brand, run=run, customer_id=customer_id).first()


def scores_for(*, brand: Any, customer_ids: list[int]) -> dict[int, CustomerScore]:
    """Published scores of several customers, in one query (the run is a subquery)."""
    runs = PipelineRun.objects.filter(brand=brand, is_published=True).values("pk")[:1]
    rows = CustomerScore.objects.filter(brand=brand, run_id__in=runs, customer_id__in=customer_ids)
    return {row.customer_id: row for row in rows}


def scores_export_rows(*, brand: Any, run: PipelineRun) -> QuerySet[CustomerScore]:
    return (
        CustomerScore.objects.filter(brand=brand, run=run)
        .order_by("customer_id")
        .values_list(
            "customer_id",
            "frequency",
            "recency",
            "t",
            "monetary_value",
            "rfm_segment",
            "r_score",
            "f_score",
            "m_score",
            "clv_historic",
            "clv_12m",
            "clv_12m_low",
            "clv_12m_high",
            "clv_36m",
            "p_alive",
            "churn_risk",
            "value_at_risk",
            "cluster",
        )
    )


EXPORT_HEADER = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "rfm_segment",
    "r_score",
    "f_score",
    "m_score",
    "clv_historic",
    "clv_12m",
    "clv_12m_low",
    "clv_12m_high",
    "clv_36m",
    "p_alive",
    "churn_risk",
    "value_at_risk",
    "cluster",
)


def segment_members(*, brand: Any, segment: Segment) -> QuerySet:
    """The segment's customers (through customers.selectors), by name."""
    from customers import selectors as customer_selectors
    from segmentation.models import SegmentMember

    ids = SegmentMember.objects.filter(brand=brand, segment=segment).values("customer_id")
    return (
        customer_selectors.customer_list(brand=brand)
        .filter(pk__in=ids)
        .order_by("last_name", "first_name", "pk")
    )
