"""Background import: thin task, takes ids, re-fetches, calls the service."""

from __future__ import annotations

from celery import shared_task

from jewelcrm.tenancy.tasks import brand_task


@shared_task(name="imports.run_import_job", acks_late=True, time_limit=60 * 60, soft_time_limit=60 * 58)
@brand_task
def run_import_job_task(brand_id: int, job_id: int) -> str:
    from jewelcrm.accounts.models import Brand
    from jewelcrm.imports.runs import import_job_execute

    brand = Brand.objects.get(pk=brand_id)
    job = import_job_execute(brand=brand, job_id=job_id)
    return job.status if job is not None else "missing"
