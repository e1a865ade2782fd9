"""The background import through the real broker and worker (Redis), as in production."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from customers.models import Customer
from jewelcrm.imports import services
from jewelcrm.imports.models import ImportJob
from jewelcrm.tenancy.context import brand_context


@pytest.mark.django_db(transaction=True)
def test_import_runs_in_the_worker(brand, marketer_client, celery_worker, data_path, run_import):
    run_import(brand, "stores", "stores.csv")
    with data_path("erp_customers.csv").open("rb") as handle:
        response = marketer_client.post(
            reverse("imports:upload", kwargs={"brand_slug": brand.slug}),
            {"kind": "customers", "file": handle},
        )
    assert response.status_code == 302
    with brand_context(brand):
        job = ImportJob.objects.get()
    response = marketer_client.post(
        reverse("imports:preview", kwargs={"brand_slug": brand.slug, "pk": job.pk}), {"mode": "valid_rows"}
    )
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with brand_context(brand):
            job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.3)
    assert (job.status, job.rows_total, job.rows_created, job.rows_rejected) == ("done", 1230, 1037, 193)
    assert services.job_progress(job=job)["progress"] == 100
    with brand_context(brand):
        assert Customer.objects.count() == 1037
