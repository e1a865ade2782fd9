"""Background imports: thin tasks, take ids, call the service.

`run_import_job_task` commits its claim, its heartbeats and its outcome apart (imports.services), so it
is not a `brand_task` (one transaction); `sweep_import_jobs_task` requeues or fails stuck jobs.
"""

from __future__ import annotations

from celery import shared_task

from jewelcrm.tenancy.tasks import brand_task, for_each_brand


@shared_task(name="imports.run_import_job", acks_late=True, time_limit=60 * 60, soft_time_limit=60 * 58)
def run_import_job_task(brand_id: int, job_id: int) -> str:
    from jewelcrm.imports.services import import_job_run

    return import_job_run(brand_id=int(brand_id), job_id=int(job_id))


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
@brand_task
def sweep_import_jobs_task(brand_id: int) -> dict[str, int]:
    from jewelcrm.imports.services import import_jobs_sweep

    return import_jobs_sweep(brand=brand_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_import_jobs_all_task() -> list[int]:
    """Every five minutes: one sweep per active brand."""
    return for_each_brand(sweep_import_jobs_task)
