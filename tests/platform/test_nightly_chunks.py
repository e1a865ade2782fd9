"""The nightly segmentation with a real Redis and a real worker (CEL-10): the job is chunked by brand; one
brand's run failing half-way (after its scores were written, before publishing) publishes nothing of it,
is recorded once, leaves the other brand's run to succeed, and the next hourly beat's rerun succeeds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings

from jewelcrm.health import redis_client
from jewelcrm.tenancy.context import brand_context
from segmentation import services, tasks
from segmentation.models import CustomerScore, PipelineRun, RunStatus, RunTrigger
from segmentation.tests.factories import history
from tests.worker import wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis"),
]

PURCHASES = {
    "Ada": [("2024-01-10", "100"), ("2025-06-01", "300")],
    "Bea": [("2024-03-02", "900")],
    "Cy": [("2023-05-05", "50"), ("2024-05-05", "60"), ("2025-05-05", "70")],
}


def _night_zone() -> str:
    """A time zone where it is now about one in the morning: the beat finds both brands' night begun."""
    offset = (1 - datetime.now(UTC).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def _runs(brand) -> list[tuple[str, str, bool]]:
    with brand_context(brand):
        return list(
            PipelineRun.objects.filter(trigger=RunTrigger.SCHEDULE)
            .order_by("pk")
            .values_list("status", "error", "is_published")
        )


def _scores(brand) -> dict[int, int]:
    with brand_context(brand):
        runs = PipelineRun.objects.values_list("pk", flat=True)
        return {run: CustomerScore.objects.filter(run_id=run).count() for run in runs}


def _finished(brand, count: int) -> bool:
    runs = _runs(brand)
    return len(runs) == count and all(
        status in (RunStatus.SUCCEEDED, RunStatus.FAILED) for status, *_ in runs
    )


def test_one_brand_failing_half_way_publishes_nothing_of_it_and_its_rerun_succeeds(
    transactional_db, brand, other_brand, broker, workers, tmp_path
):
    redis_client().delete("segmentation")
    for each in (brand, other_brand):
        each.time_zone = _night_zone()
        each.save(update_fields=["time_zone"])
        with brand_context(each):
            history(each, PURCHASES)
    # Brand A has a published run from before: it must stay the one readers see while tonight's fails.
    with brand_context(brand):
        earlier = services.run_request(brand=brand)
    assert tasks.run_pipeline_task(brand.pk, earlier.pk) == RunStatus.SUCCEEDED
    (tmp_path / "mailbox.txt.failbrand").write_text(f"{brand.pk}\n")

    workers(concurrency="2", queues="segmentation,celery")
    tasks.schedule_nightly_runs_task.delay()  # the beat
    wait_until(lambda: _finished(brand, 1) and _finished(other_brand, 1), what="both brands' runs", limit=60)

    [(status, error, published)] = _runs(brand)
    assert (status, published) == (RunStatus.FAILED, False)
    assert error == f"RuntimeError: injected failure of brand {brand.pk}'s write-back"
    with brand_context(brand):
        failed = PipelineRun.objects.get(status=RunStatus.FAILED)
        assert PipelineRun.objects.get(is_published=True).pk == earlier.pk
    # Its scores were written inside the write-back's transaction: rolled back with it, none left.
    assert _scores(brand) == {earlier.pk: 3, failed.pk: 0}
    assert _runs(other_brand) == [(RunStatus.SUCCEEDED, "", True)]  # the other chunk ran and published
    assert list(_scores(other_brand).values()) == [3]

    (tmp_path / "mailbox.txt.failbrand").unlink()  # the cause is fixed; the next hourly beat
    tasks.schedule_nightly_runs_task.delay()
    wait_until(lambda: _finished(brand, 2), what="brand A's rerun", limit=60)
    assert [(s, p) for s, _e, p in _runs(brand)] == [(RunStatus.FAILED, False), (RunStatus.SUCCEEDED, True)]
    assert _runs(other_brand) == [(RunStatus.SUCCEEDED, "", True)]  # not run twice
    with brand_context(brand):
        rerun = PipelineRun.objects.get(is_published=True)
        assert PipelineRun.objects.filter(status=RunStatus.FAILED).count() == 1  # the failure, once
    assert _scores(brand)[rerun.pk] == 3
    redis_client().delete("segmentation")
