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


def segment_member_ids(*, brand: Any, segment: Segment) -> QuerySet:
    """The segment's customer ids in id order: pages read the unique index (brand, segment, customer), so a
    page costs the same at 25 or 500,000 members."""
    from segmentation.models import SegmentMember

    return (
        SegmentMember.objects.filter(brand=brand, segment=segment)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )


def customers_by_id(*, brand: Any, customer_ids: list[int]) -> list[Any]:
    """These customers (through customers.selectors), in the order of the ids."""
    from customers import selectors as customer_selectors

    found = {c.pk: c for c in customer_selectors.customer_list(brand=brand).filter(pk__in=customer_ids)}
    return [found[i] for i in customer_ids if i in found]


# The money columns of `score_aggregates`: decimal ones are kept on the run as text (JSON has no decimal).
_AGGREGATE_MONEY = ("spend", "total", "lowest", "highest", "at_risk")


def score_aggregates_encode(data: dict[str, Any]) -> dict[str, Any]:
    """`score_aggregates` as JSON for the run row: decimal amounts as exact text, the date in ISO."""
    from decimal import Decimal

    def row(values: dict[str, Any]) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}

    return {
        "run_id": data["run_id"],
        "observation_date": data["observation_date"].isoformat(),
        **{part: [row(r) for r in data[part]] for part in ("grid", "deciles", "churn")},
    }


def score_aggregates_decode(kept: dict[str, Any]) -> dict[str, Any]:
    from datetime import date
    from decimal import Decimal

    def row(values: dict[str, Any]) -> dict[str, Any]:
        return {
            k: Decimal(v) if k in _AGGREGATE_MONEY and isinstance(v, str) else v for k, v in values.items()
        }

    return {
        "run_id": kept["run_id"],
        "observation_date": date.fromisoformat(kept["observation_date"]),
        **{part: [row(r) for r in kept[part]] for part in ("grid", "deciles", "churn")},
    }


def score_aggregates_kept(*, brand: Any) -> dict[str, Any] | None:
    """The published run's score aggregates as the pipeline kept them on the run row when it published
    (one query, whatever the number of scores, and no cache to lose); a run published before they were
    kept has them computed (three grouped queries) until the next night's run."""
    run = published_run(brand=brand)
    if run is None:
        return None
    if run.aggregates:
        return score_aggregates_decode(run.aggregates)
    return score_aggregates(brand=brand)


def score_aggregates(*, brand: Any, run: PipelineRun | None = None) -> dict[str, Any] | None:
    """The published run's scores (or `run`'s) in a few small aggregates (three grouped queries), or None
    without one:

    - `grid`: per R score × F score, customers and their spend;
    - `deciles`: per value decile (1 lowest … 10 top), customers and the 12-month predicted value (sum,
      lowest, highest), or the historic value where no model could be fitted;
    - `churn`: per churn-risk band (0-25 %, 25-50 %, 50-75 %, 75-100 %; "none" where the churn model did
      not beat recency alone), customers and the value at risk.
    """
    from django.db.models import Case, CharField, Count, F, Max, Min, Sum, Value, When
    from django.db.models.functions import Coalesce

    run = run or published_run(brand=brand)
    if run is None:
        return None
    scores = CustomerScore.objects.filter(brand=brand, run=run).order_by()
    grid = list(scores.values("r_score", "f_score").annotate(customers=Count("pk"), spend=Sum("total_spend")))
    value = Coalesce(F("clv_12m"), F("clv_historic"))
    deciles = list(
        scores.values("value_band").annotate(
            customers=Count("pk"), total=Sum(value), lowest=Min(value), highest=Max(value)
        )
    )
    band = Case(
        When(churn_risk__isnull=True, then=Value("none")),
        When(churn_risk__lt=0.25, then=Value("0-25")),
        When(churn_risk__lt=0.5, then=Value("25-50")),
        When(churn_risk__lt=0.75, then=Value("50-75")),
        default=Value("75-100"),
        output_field=CharField(),
    )
    churn = list(scores.values(band=band).annotate(customers=Count("pk"), at_risk=Sum("value_at_risk")))
    return {
        "run_id": run.pk,
        "observation_date": run.observation_date,
        "grid": grid,
        "deciles": deciles,
        "churn": churn,
    }


def segment_history(*, brand: Any, limit: int = 24) -> list[PipelineRun]:
    """The brand's finished runs, oldest first (their summaries hold the segment sizes and values)."""
    runs = (
        PipelineRun.objects.filter(brand=brand, status="succeeded")
        .order_by("-observation_date", "-id")
        .only("pk", "observation_date", "summary")[:limit]
    )
    return list(reversed(list(runs)))
