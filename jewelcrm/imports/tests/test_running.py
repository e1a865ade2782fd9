"""Running imports: one at a time per brand and kind, liveness committed apart from the import, stuck
jobs requeued or failed, retry and cancel, and no database error text on the page."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connections
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from jewelcrm.imports import runs, services
from jewelcrm.imports.models import ImportJob
from jewelcrm.imports.tests.factories import ImportJobFactory
from jewelcrm.tenancy.context import brand_context

THREE = (
    b"N\xc2\xb0 client;Nom;E-mail\r\n"
    b"C1;Martin;a@example.com\r\nC2;Durand;b@example.com\r\nC3;Roux;c@example.com\r\n"
)


def _job(brand, **kwargs):
    return ImportJobFactory(
        brand=brand, file=ContentFile(THREE, name="customers.csv"), mode="valid_rows", **kwargs
    )


def _get(brand, job):
    with brand_context(brand):
        return ImportJob.objects.get(pk=job.pk)


def url(brand, name, job):
    return reverse(f"imports:{name}", kwargs={"brand_slug": brand.slug, "pk": job.pk})


@pytest.fixture
def enqueued(monkeypatch):
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(services, "_enqueue", lambda brand_id, job_id: calls.append((brand_id, job_id)))
    return calls


# --- One at a time per brand and kind -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_of_the_same_kind_queue_one_and_refuse_the_other_clearly(brand, enqueued):
    first, second = _job(brand), _job(brand, original_name="copy.csv")
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def start(job):
        try:
            barrier.wait()
            with brand_context(brand):
                services.import_job_start(brand=brand, job=job, mode="valid_rows")
            outcomes[job.pk] = "queued"
        except ValidationError as error:
            outcomes[job.pk] = error.messages[0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(job,)) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(_get(brand, job).status for job in (first, second))
    assert statuses == ["draft", "queued"]
    refused = next(text for text in outcomes.values() if text != "queued")
    assert (
        refused.startswith("Another import of customers (“") and "queued or running for this brand" in refused
    )
    assert len(enqueued) == 1


def test_the_preview_page_says_why_a_second_import_of_the_kind_cannot_start(brand, marketer_client, enqueued):
    running = _job(brand, status="running", original_name="big.csv")
    waiting = _job(brand, original_name="second.csv")
    response = marketer_client.post(url(brand, "preview", waiting), {"mode": "valid_rows"})
    assert response.status_code == 409
    assert "Another import of customers (“big.csv”) is queued or running" in response.content.decode()
    assert _get(brand, waiting).status == "draft" and _get(brand, running).status == "running"
    # Another kind starts at once.
    orders = ImportJobFactory(brand=brand, kind="orders", original_name="orders.csv")
    assert marketer_client.post(url(brand, "preview", orders), {"mode": "valid_rows"}).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_of_the_same_kind_import_each_person_once(brand, monkeypatch):
    """Two jobs of the same file queued at once (the duplication of every customer seen before): while
    the first runs, holding the brand's lock for customers, the second goes back to the queue; run
    later, it finds everyone already there. Meanwhile, the first job reads as running, with a heartbeat,
    from any other connection."""
    first, second = _job(brand, status="queued"), _job(brand, status="queued", original_name="copy.csv")
    inside, release = threading.Event(), threading.Event()
    real = runs.import_file_run

    def paused(**kwargs):
        if kwargs["job"].pk == first.pk:
            inside.set()
            assert release.wait(60)
        return real(**kwargs)

    monkeypatch.setattr(runs, "import_file_run", paused)
    results: dict[str, str] = {}

    def run_first():
        try:
            results["first"] = services.import_job_run(brand_id=brand.pk, job_id=first.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_first)
    thread.start()
    assert inside.wait(60)
    try:
        seen = _get(brand, first)
        assert seen.status == "running" and seen.attempts == 1
        assert timezone.now() - seen.heartbeat_at < timedelta(seconds=30)
        assert services.import_job_run(brand_id=brand.pk, job_id=second.pk) == "waiting"
        assert _get(brand, second).status == "queued"
    finally:
        release.set()
        thread.join()
    assert results["first"] == "done"
    assert services.import_job_run(brand_id=brand.pk, job_id=second.pk) == "done"
    done = [_get(brand, job) for job in (first, second)]
    assert [(j.rows_created, j.rows_unchanged) for j in done] == [(3, 0), (0, 3)]
    with brand_context(brand):
        assert sorted(Customer.objects.values_list("email", flat=True)) == [
            "a@example.com",
            "b@example.com",
            "c@example.com",
        ]


# --- Stuck jobs, retry, cancel ---------------------------------------------------------------------


def test_the_sweep_requeues_a_job_whose_worker_was_lost_then_fails_it_after_three_runs(
    brand, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost = _job(brand, status="running", attempts=1, heartbeat_at=now - timedelta(minutes=11))
    worn = _job(brand, status="running", attempts=3, heartbeat_at=now - timedelta(minutes=11))
    alive = _job(brand, status="running", attempts=1, heartbeat_at=now - timedelta(minutes=1))
    forgotten = _job(brand, status="queued", enqueued_at=now - timedelta(minutes=11))
    fresh = _job(brand, status="queued", enqueued_at=now - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        counts = services.import_jobs_sweep(brand=brand, now=now, enqueue=services._enqueue)
    assert counts == {"requeued": 1, "failed": 1, "reenqueued": 1}
    assert sorted(enqueued) == sorted([(brand.pk, lost.pk), (brand.pk, forgotten.pk)])
    statuses = {job.pk: _get(brand, job).status for job in (lost, worn, alive, forgotten, fresh)}
    assert statuses == {lost.pk: "queued", worn.pk: "failed", alive.pk: "running", forgotten.pk: "queued",
                        fresh.pk: "queued"}  # fmt: skip
    assert _get(brand, worn).error.startswith("The import stopped 3 times (its worker was lost)")


def test_a_run_of_a_job_another_live_worker_runs_does_nothing(brand):
    job = _job(brand, status="running", attempts=1, heartbeat_at=timezone.now())
    assert services.import_job_run(brand_id=brand.pk, job_id=job.pk) == "running elsewhere"
    assert _get(brand, job).attempts == 1


def test_the_sweep_is_scheduled_every_five_minutes():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["imports-sweep"]
    assert entry["task"] == "jewelcrm.imports.tasks.sweep_import_jobs_all_task"
    assert entry["options"]["expires"] == 240


def test_cancel_a_queued_job_then_run_it_again_from_its_page(
    brand, marketer_client, enqueued, django_capture_on_commit_callbacks
):
    job = _job(brand, status="queued")
    page = marketer_client.get(url(brand, "detail", job)).content.decode()
    assert 'data-testid="import-cancel"' in page and 'data-testid="import-retry"' not in page
    assert marketer_client.post(url(brand, "cancel", job)).status_code == 302
    cancelled = _get(brand, job)
    assert (cancelled.status, cancelled.error) == (
        "cancelled",
        "Cancelled before it started: nothing was imported.",
    )
    page = marketer_client.get(url(brand, "detail", job)).content.decode()
    assert 'data-testid="import-retry"' in page and "Cancelled before it started" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert marketer_client.post(url(brand, "retry", job)).status_code == 302
    assert _get(brand, job).status == "queued" and enqueued == [(brand.pk, job.pk)]
    assert services.import_job_run(brand_id=brand.pk, job_id=job.pk) == "done"
    with brand_context(brand):
        assert Customer.objects.count() == 3


def test_a_finished_job_cannot_be_retried_or_cancelled(brand, marketer_client, enqueued):
    job = _job(brand, status="done")
    marketer_client.post(url(brand, "retry", job))
    marketer_client.post(url(brand, "cancel", job))
    assert _get(brand, job).status == "done" and enqueued == []


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_import_stops_it_at_its_next_step_writing_nothing(brand, monkeypatch):
    monkeypatch.setattr(runs, "HEARTBEAT_EVERY", timedelta(0))
    job = _job(brand, status="queued")
    real = runs.import_file_run

    def cancel(job):
        try:
            with brand_context(brand):
                services.import_job_cancel(brand=brand, job=job)
        finally:
            connections.close_all()

    def in_thread(**kwargs):
        # The cancellation is asked on a connection of its own while the import runs, as a page would.
        thread = threading.Thread(target=cancel, args=(kwargs["job"],))
        thread.start()
        thread.join()
        return real(**kwargs)

    monkeypatch.setattr(runs, "import_file_run", in_thread)
    assert services.import_job_run(brand_id=brand.pk, job_id=job.pk) == "cancelled"
    assert _get(brand, job).error == "Cancelled while running: nothing was imported."
    with brand_context(brand):
        assert Customer.objects.count() == 0


# --- No database text on the page -------------------------------------------------------------------


def test_a_unique_key_error_never_reaches_the_page(brand, marketer_client, monkeypatch):
    job = _job(brand, status="queued")
    raw = (
        'duplicate key value violates unique constraint "customers_customer_brand_email_key"\n'
        "DETAIL:  Key (brand_id, email)=(1, a@example.com) already exists."
    )
    monkeypatch.setattr(runs, "import_file_run", mock.Mock(side_effect=IntegrityError(raw)))
    with brand_context(brand):
        services.import_job_execute(brand=brand, job_id=job.pk)
    failed = _get(brand, job)
    assert failed.status == "failed"
    assert failed.error.startswith("Nothing was imported: some rows describe a record that already exists")
    page = marketer_client.get(url(brand, "detail", job)).content.decode()
    assert "Nothing was imported" in page
    for leak in ("duplicate key", "unique constraint", "customers_customer", "DETAIL", "a@example.com"):
        assert leak not in page, leak


def test_an_unexpected_error_says_what_to_do_without_its_text(brand, monkeypatch):
    job = _job(brand, status="queued")
    monkeypatch.setattr(runs, "import_file_run", mock.Mock(side_effect=RuntimeError("psycopg internals")))
    with brand_context(brand):
        services.import_job_execute(brand=brand, job_id=job.pk)
    failed = _get(brand, job)
    assert failed.error == (
        "The import stopped unexpectedly and nothing was imported. Run it again; if it fails again, "
        f"contact support with the import number {job.pk}."
    )
