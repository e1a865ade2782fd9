"""Background imports: thin tasks, take ids, call the running side (`imports.runs`, which never imports
this module or the job services).

`run_import_job_task` commits its claim, its heartbeats and its outcome apart (`runs.import_job_run`), so
it is not a `brand_task` (one transaction); `sweep_import_jobs_task` requeues or fails stuck jobs.
"""

from __future__ import annotations

from celery import shared_task

from jewelcrm.tenancy.tasks import brand_task, for_each_brand


@shared_task(name="imports.run_import_job", acks_late=True, time_limit=60 * 60, soft_time_limit=60 * 58)
def run_import_job_task(brand_id: int, job_id: int) -> str:
    from jewelcrm.imports.runs import import_job_run

    return import_job_run(brand_id=int(brand_id), job_id=int(job_id))


def enqueue_import_job(brand_id: int, job_id: int) -> None:
    """Hand a job to the broker, best effort: when it is down, the job stays queued in the database and the
    sweep hands it over later."""
    import logging

    try:
        run_import_job_task.apply_async((brand_id, job_id), retry=False)
    except Exception:  # noqa: BLE001 - the job row is the record; the sweep enqueues it again
        logging.getLogger(__name__).warning("imports: could not enqueue job %s; the sweep will", job_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
@brand_task
def sweep_import_jobs_task(brand_id: int) -> dict[str, int]:
    from jewelcrm.imports.runs import import_jobs_sweep

    return import_jobs_sweep(brand=brand_id, enqueue=enqueue_import_job)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_import_jobs_all_task() -> list[int]:
    """Every five minutes: one sweep per active brand."""
    return for_each_brand(sweep_import_jobs_task)
