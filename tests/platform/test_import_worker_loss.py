"""A worker killed during an import: the job is not left "running" forever (a real worker process,
killed with SIGKILL, then the sweep and a fresh worker)."""

from __future__ import annotations

import pytest
from django.conf import settings

from jewelcrm.tenancy.context import brand_context
from tests.worker import wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis"),
]


def test_a_worker_killed_during_an_import_leaves_a_job_the_sweep_runs_again(
    transactional_db, brand, broker, workers, tmp_path
):
    """Item: imports. The whole worker is killed while it imports 50,000 customers: the import's
    transaction is rolled back, the job stays "running" with a heartbeat that stops. The sweep, once the
    heartbeat is stale, queues it again; a fresh worker imports everyone exactly once."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from customers.models import Customer
    from jewelcrm.imports import services as imports
    from jewelcrm.imports.models import ImportJob
    from jewelcrm.imports.tasks import enqueue_import_job
    from jewelcrm.imports.tests.factories import ImportJobFactory

    rows = "".join(f"C{i};Name{i};person{i}@example.test\r\n" for i in range(50_000))
    content = ("N° client;Nom;E-mail\r\n" + rows).encode("utf-8")
    job = ImportJobFactory(brand=brand, file=ContentFile(content, name="big.csv"), original_name="big.csv")
    with brand_context(brand):
        imports.import_job_start(brand=brand, job=job, mode="valid_rows")

    def status() -> str:
        with brand_context(brand):
            return ImportJob.objects.get(pk=job.pk).status

    worker = workers(concurrency="1")
    wait_until(lambda: status() == "running", what="the import started")
    worker.kill()
    with brand_context(brand):
        stuck = ImportJob.objects.get(pk=job.pk)
        assert (stuck.status, stuck.attempts, Customer.objects.count()) == ("running", 1, 0)
        counts = imports.import_jobs_sweep(
            brand=brand, now=timezone.now() + imports.STALE_AFTER, enqueue=enqueue_import_job
        )
    assert counts == {"requeued": 1, "failed": 0, "reenqueued": 0}
    workers(concurrency="1")
    wait_until(lambda: status() == "done", limit=600, what="the import done after the restart")
    with brand_context(brand):
        done = ImportJob.objects.get(pk=job.pk)
        assert (done.attempts, done.rows_created, done.rows_rejected) == (2, 50_000, 0)
        assert Customer.objects.count() == 50_000
