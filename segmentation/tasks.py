"""Tasks of the nightly pipeline, on their own queue ("segmentation") so e-mails never wait behind them.

Beat calls `schedule_nightly_runs_task` every hour; it fans out one `schedule_brand_run_task` per active
brand, which asks for the night's run when it is past midnight in the brand's time zone (before 06:00) and
the brand has no scheduled run for that date yet. The segmentation worker runs one task at a time, so
brands run one after another.

Each brand is its own task and its own run: a brand whose run fails leaves the others untouched. Its run is
recorded once as failed (with the error, shown on the runs page) and publishes nothing, the previous run
staying in place; the next hourly beat of the same night asks for it again, up to NIGHT_ATTEMPTS runs.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from jewelcrm.tenancy.context import dangerously_no_brand
from jewelcrm.tenancy.tasks import brand_task, for_each_brand

QUEUE = "segmentation"
NIGHT_ENDS_HOUR = 6
NIGHT_ATTEMPTS = 3  # scheduled runs of one brand in one night: the first and two reruns after failures


@shared_task(queue=QUEUE, time_limit=60 * 30, soft_time_limit=60 * 28)
def run_pipeline_task(brand_id: int, run_id: int) -> str:
    """Not wrapped in brand_task: each stage commits in its own brand scope (progress stays visible)."""
    from jewelcrm.accounts.models import Brand
    from segmentation import pipeline

    with dangerously_no_brand():
        brand = Brand.objects.filter(pk=int(brand_id), is_active=True).first()
        if brand is None:
            return "no brand"
        run = pipeline.run_execute(brand=brand, run_id=int(run_id))
        return "duplicate" if run is None else run.status


@shared_task(queue=QUEUE, time_limit=60, soft_time_limit=50)
@brand_task
def schedule_brand_run_task(brand_id: int) -> str:
    from django.utils import timezone

    from jewelcrm.accounts.models import Brand
    from segmentation import services
    from segmentation.models import PipelineRun, RunStatus, RunTrigger
    from segmentation.services import brand_today

    brand = Brand.objects.get(pk=brand_id)
    from zoneinfo import ZoneInfo

    local = timezone.now().astimezone(ZoneInfo(brand.time_zone))
    if local.hour >= NIGHT_ENDS_HOUR:
        return "not night"
    tonight = PipelineRun.objects.filter(
        brand=brand, run_date=brand_today(brand), trigger=RunTrigger.SCHEDULE
    )
    if tonight.exclude(status=RunStatus.FAILED).exists() or tonight.count() >= NIGHT_ATTEMPTS:
        return "already"
    try:
        run = services.run_request(brand=brand, trigger=RunTrigger.SCHEDULE)
    except services.RunAlreadyActive:
        return "active"
    run_pipeline_task.delay_on_commit(brand.pk, run.pk)
    return "requested"


@shared_task(queue=QUEUE, time_limit=120, soft_time_limit=100)
def schedule_nightly_runs_task() -> list[Any]:
    return for_each_brand(schedule_brand_run_task)
