"""Scheduling after midnight in the brand's time zone, the task's own queue, duplicate deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from jewelcrm.tenancy.context import brand_context
from segmentation import tasks
from segmentation.models import PipelineRun, RunStatus, RunTrigger
from segmentation.tests.factories import history

pytestmark = pytest.mark.django_db


def test_tasks_run_on_their_own_queue():
    assert tasks.run_pipeline_task.queue == "segmentation"
    assert tasks.schedule_brand_run_task.queue == "segmentation"
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["segmentation-nightly"]
    assert entry["task"] == "segmentation.tasks.schedule_nightly_runs_task"
    assert entry["options"]["expires"] == 1800


def test_a_run_is_asked_for_after_midnight_in_the_brand_time_zone_once(
    brand, django_capture_on_commit_callbacks
):
    history(brand, {"Ada": [("2025-01-10", "100"), ("2025-06-01", "300")]})
    # 23:30 UTC is 00:30 in Paris (winter): night there.
    with time_machine.travel(datetime(2026, 1, 14, 23, 30, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.schedule_brand_run_task(brand.pk) == "requested"
        assert tasks.schedule_brand_run_task(brand.pk) == "already"
    with brand_context(brand):
        run = PipelineRun.objects.get()
    assert (run.trigger, run.run_date.isoformat(), run.observation_date.isoformat()) == (
        RunTrigger.SCHEDULE,
        "2026-01-15",
        "2026-01-14",
    )
    assert run.status == RunStatus.SUCCEEDED  # eager in tests: the run ran after commit
    # 08:00 in Paris: not night any more; the next night asks again.
    with time_machine.travel(datetime(2026, 1, 15, 7, 0, tzinfo=UTC), tick=False):
        assert tasks.schedule_brand_run_task(brand.pk) == "not night"
    with time_machine.travel(datetime(2026, 1, 16, 1, 0, tzinfo=UTC), tick=False):
        assert tasks.schedule_brand_run_task(brand.pk) == "requested"


def test_the_fan_out_covers_active_brands(brand, other_brand):
    from django.db import transaction

    other_brand.is_active = False
    other_brand.save()
    with transaction.atomic():
        assert tasks.schedule_nightly_runs_task() == [brand.pk]


def test_a_duplicate_delivery_does_nothing(brand):
    from segmentation import services

    with brand_context(brand):
        run = services.run_request(brand=brand)
    assert tasks.run_pipeline_task(brand.pk, run.pk) == RunStatus.SUCCEEDED
    assert tasks.run_pipeline_task(brand.pk, run.pk) == "duplicate"


def test_a_failed_night_is_run_again_at_the_next_beats_up_to_three_times(
    brand, monkeypatch, django_capture_on_commit_callbacks
):
    """CEL-10: a brand whose nightly run failed gets another at the next hourly beat of the same night
    (each failure recorded once, on its run), at most NIGHT_ATTEMPTS in one night; a run that succeeded
    is not run again."""
    from segmentation import pipeline

    def fail(**kwargs):
        raise RuntimeError("the write-back failed")

    monkeypatch.setattr(pipeline, "execute", fail)
    with time_machine.travel(datetime(2026, 1, 14, 23, 30, tzinfo=UTC), tick=False):
        for _ in range(tasks.NIGHT_ATTEMPTS):
            with django_capture_on_commit_callbacks(execute=True):
                assert tasks.schedule_brand_run_task(brand.pk) == "requested"
        assert tasks.schedule_brand_run_task(brand.pk) == "already"
        with brand_context(brand):
            assert (
                list(PipelineRun.objects.values_list("status", "error"))
                == [(RunStatus.FAILED, "RuntimeError: the write-back failed")] * tasks.NIGHT_ATTEMPTS
            )
            PipelineRun.objects.all().delete()
        monkeypatch.undo()
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.schedule_brand_run_task(brand.pk) == "requested"
        assert tasks.schedule_brand_run_task(brand.pk) == "already"
