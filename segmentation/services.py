"""Writes of the segmentation app: runs (request, claim, execute, publish), RFM rules, saved segments."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from segmentation import rfm
from segmentation.models import (
    ACTIVE_STATUSES,
    CustomerScore,
    PipelineRun,
    RunStatus,
    RunTrigger,
    Segment,
    SegmentMember,
    SegmentRules,
)

logger = logging.getLogger(__name__)

# A run still "running" this long after it started was interrupted (worker killed past the time limit).
STALE_AFTER = timedelta(minutes=40)


class RunAlreadyActive(Exception):
    def __init__(self, run: PipelineRun) -> None:
        super().__init__(f"run {run.pk} is already {run.status}")
        self.run = run


def _fail_stale(*, brand: Any) -> None:
    limit = timezone.now() - STALE_AFTER
    PipelineRun.objects.filter(brand=brand, status=RunStatus.RUNNING, started_at__lt=limit).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error="interrupted"
    )
    PipelineRun.objects.filter(brand=brand, status=RunStatus.QUEUED, queued_at__lt=limit).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error="interrupted"
    )


def brand_today(brand: Any) -> date:
    return timezone.now().astimezone(ZoneInfo(brand.time_zone)).date()


def run_request(*, brand: Any, trigger: str = RunTrigger.MANUAL, actor: Any = None) -> PipelineRun:
    """Record a waiting run; the caller enqueues `run_pipeline_task` after commit. Raises RunAlreadyActive
    when one is waiting or running (a unique constraint decides between two simultaneous requests)."""
    today = brand_today(brand)
    with transaction.atomic():
        _fail_stale(brand=brand)
        try:
            with transaction.atomic():
                run = PipelineRun.objects.create(
                    brand=brand,
                    trigger=trigger,
                    requested_by=actor if actor is not None and actor.is_authenticated else None,
                    run_date=today,
                    observation_date=today - timedelta(days=1),
                )
        except IntegrityError:
            active = PipelineRun.objects.filter(brand=brand, status__in=ACTIVE_STATUSES).first()
            if active is None:  # pragma: no cover - the other request finished in between
                raise
            raise RunAlreadyActive(active) from None
        if actor is not None:
            from jewelcrm.accounts.services import audit_log_record

            audit_log_record(brand=brand, action="segmentation.run_request", actor=actor, obj=run)
    return run


def run_publish(*, brand: Any, run: PipelineRun, previous: PipelineRun | None, state: Any) -> None:
    """Inside the write-back transaction: the run becomes the published one, the scores of runs before
    the previous one go (the pipeline deleted them beside its models stage; a run that failed since
    leaves rows here), saved segments refresh. The previous run's scores stay until the next run: readers
    see them until this transaction commits."""
    PipelineRun.objects.filter(brand=brand, is_published=True).update(is_published=False)
    keep = [run.pk] + ([previous.pk] if previous else [])
    older = list(PipelineRun.objects.filter(brand=brand).exclude(pk__in=keep).values_list("pk", flat=True))
    if older:
        CustomerScore.objects.filter(brand=brand, run_id__in=older).delete()
    refreshed = 0
    for segment in Segment.objects.filter(brand=brand):
        segment_refresh(brand=brand, segment=segment, run=run)
        refreshed += 1
    state.rows["segments_refreshed"] = refreshed
    timings = dict(run.timings or {})
    PipelineRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        is_published=True,
        finished_at=timezone.now(),
        progress=100,
        stage="",
        rows=state.rows,
        fit=state.fit,
        notes=state.notes,
        summary=state.summary,
        timings=timings,
    )


def run_finish_timings(*, brand: Any, run_id: int, timings: dict[str, float]) -> None:
    PipelineRun.objects.filter(brand=brand, pk=run_id).update(timings=timings)


# --- RFM rules --------------------------------------------------------------------------------------


class RulesInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


@transaction.atomic
def rules_update(*, brand: Any, rules: dict[str, Any], actor: Any = None) -> SegmentRules:
    """Save the brand's own cut-offs and segment rules (used from the next run on)."""
    from jewelcrm.accounts.services import audit_log_record

    problems = rfm.validate_rules(rules)
    if problems:
        raise RulesInvalid(problems)
    obj, _created = SegmentRules.objects.update_or_create(
        brand=brand,
        defaults={
            "recency_cutoffs": [int(v) for v in rules["recency_cutoffs"]],
            "frequency_cutoffs": [int(v) for v in rules["frequency_cutoffs"]],
            "monetary_cutoffs": [float(v) for v in rules["monetary_cutoffs"]],
            "segments": rules["segments"],
            "is_customised": True,
            "updated_at": timezone.now(),
            "updated_by": actor if actor is not None and actor.is_authenticated else None,
        },
    )
    audit_log_record(brand=brand, action="segmentation.rules_update", actor=actor, obj=obj)
    return obj


@transaction.atomic
def rules_reset(*, brand: Any, actor: Any = None) -> None:
    """Back to the defaults learnt from the brand's purchases (recomputed by the next run)."""
    from jewelcrm.accounts.services import audit_log_record

    SegmentRules.objects.filter(brand=brand).update(is_customised=False, updated_by=None)
    audit_log_record(brand=brand, action="segmentation.rules_reset", actor=actor)


# --- Saved segments -----------------------------------------------------------------------------------


class SegmentNameTaken(ValueError):
    pass


def segment_save(
    *,
    brand: Any,
    name: str,
    description: str,
    rules: list[dict[str, Any]],
    actor: Any = None,
    segment: Segment | None = None,
) -> Segment:
    """Create (or update) a saved segment and compute its members at once. A double submit of the same
    name answers SegmentNameTaken, never a second segment."""
    from jewelcrm.accounts.services import audit_log_record
    from segmentation import builder, selectors

    builder.validate(rules)
    name = name.strip()
    with transaction.atomic():
        try:
            with transaction.atomic():
                if segment is None:
                    segment = Segment.objects.create(
                        brand=brand,
                        name=name,
                        description=description,
                        rules=rules,
                        created_by=actor if actor is not None and actor.is_authenticated else None,
                    )
                else:
                    segment.name, segment.description, segment.rules = name, description, rules
                    segment.save(update_fields=["name", "description", "rules"])
        except IntegrityError:
            raise SegmentNameTaken(name) from None
        segment_refresh(brand=brand, segment=segment, run=selectors.published_run(brand=brand))
        audit_log_record(brand=brand, action="segmentation.segment_save", actor=actor, obj=segment)
    return segment


def segment_refresh(*, brand: Any, segment: Segment, run: PipelineRun | None) -> Segment:
    """Recompute the members set-based: one INSERT … SELECT of the rule's query between brand tables
    (runs as such on Citus too), counts of who joined and left."""
    from segmentation import builder

    table = SegmentMember._meta.db_table
    with transaction.atomic():
        members = builder.member_ids(brand=brand, rules=segment.rules, run=run)
        select_sql, params = members.query.sql_with_params()
        with connection.cursor() as cursor:
            # Who left, then who joined: two anti-joins of the rule's query with the saved members,
            # each one pass (hash anti-join) between brand tables, as such on Citus too (an INSERT …
            # SELECT from a temporary table would be a COPY there, which row-level security refuses).
            cursor.execute(
                f"DELETE FROM {table} m WHERE m.brand_id = %s AND m.segment_id = %s AND NOT EXISTS "
                f"(SELECT 1 FROM ({select_sql}) AS u(customer_id) WHERE u.customer_id = m.customer_id)",
                [brand.pk, segment.pk, *params],
            )
            left = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {table} (brand_id, segment_id, customer_id) "
                f"SELECT %s, %s, u.customer_id FROM ({select_sql}) AS u(customer_id) "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} m WHERE m.brand_id = %s AND m.segment_id = %s "
                "AND m.customer_id = u.customer_id)",
                [brand.pk, segment.pk, *params, brand.pk, segment.pk],
            )
            joined = cursor.rowcount
        previous = segment.member_count if segment.refreshed_at else None
        count = SegmentMember.objects.filter(brand=brand, segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(
            member_count=count,
            previous_count=previous,
            joined_count=joined,
            left_count=left,
            refreshed_at=timezone.now(),
        )
    segment.refresh_from_db()
    return segment


@transaction.atomic
def segment_delete(*, brand: Any, segment: Segment, actor: Any = None) -> None:
    from jewelcrm.accounts.services import audit_log_record

    SegmentMember.objects.filter(brand=brand, segment=segment).delete()
    audit_log_record(
        brand=brand, action="segmentation.segment_delete", actor=actor, data={"name": segment.name}
    )
    segment.delete()
