"""Celery wiring: the schedule, the brand fan-out, and /healthz with and without a worker or Redis."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.test import Client, override_settings

from jewelcrm.celery import app

pytestmark = pytest.mark.django_db


def _registered_tasks() -> set[str]:
    app.loader.import_default_modules()
    return set(app.tasks)


def test_celery_is_configured_for_safe_delivery():
    conf = app.conf
    assert (conf.task_serializer, conf.result_serializer, list(conf.accept_content)) == (
        "json",
        "json",
        ["json"],
    )
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert conf.task_soft_time_limit < conf.task_time_limit
    # Redis must not redeliver a task that is still running.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_visibility_timeout_covers_twice_the_longest_task_and_no_delay_exceeds_it():
    """CEL-04: every registered task of the project has a time limit (its own or the default), acks
    late and is rejected (requeued) when its worker is lost; the broker's visibility timeout is at
    least twice the longest limit; no retry countdown or ETA reaches it (the send log's retries wait in
    the database, not in the broker)."""
    from jewelcrm.messaging import services as messaging

    conf = app.conf
    ours = ("jewelcrm", "customers", "warranties", "segmentation", "campaigns", "imports")
    project = {name: task for name, task in _registered_tasks_objects().items() if name.split(".")[0] in ours}
    assert "jewelcrm.messaging.tasks.deliver_message_task" in project
    limits = {name: task.time_limit or conf.task_time_limit for name, task in project.items()}
    assert all(limits.values()), limits
    visibility = conf.broker_transport_options["visibility_timeout"]
    for name, task in project.items():
        assert task.acks_late is True, name
        assert (task.reject_on_worker_lost if task.reject_on_worker_lost is not None
                else conf.task_reject_on_worker_lost) is True, name  # fmt: skip
        assert task.soft_time_limit is None or task.soft_time_limit < limits[name], name
        # Celery retries (autoretry) wait in the broker: a backoff may never wait as long as the timeout.
        if getattr(task, "autoretry_for", ()):
            assert getattr(task, "retry_backoff", False), name
            assert (getattr(task, "retry_backoff_max", None) or 600) < visibility, name
    assert visibility >= 2 * max(limits.values())
    # The send log's relay re-enqueues a message not sent within twice its task's limit.
    deliver = project["jewelcrm.messaging.tasks.deliver_message_task"]
    assert messaging.RELAY_AFTER.total_seconds() >= 2 * deliver.time_limit
    assert messaging.RETRY_CAP.total_seconds() < visibility


def _registered_tasks_objects() -> dict:
    app.loader.import_default_modules()
    return dict(app.tasks)


def test_every_schedule_entry_expires_and_names_a_registered_task():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule, "the schedule is empty"
    registered = _registered_tasks()
    for name, entry in schedule.items():
        assert entry["task"] in registered, name
        options = entry.get("options", {})
        assert isinstance(options.get("expires"), int) and options["expires"] > 0, name
        if isinstance(entry["schedule"], crontab):
            # Expiry shorter than a day, so a missed nightly run never overlaps the next one.
            assert options["expires"] <= 24 * 60 * 60, name


def test_the_database_scheduler_keeps_the_expiry():
    """django-celery-beat copies entries into the database; the expiry must survive the copy."""
    from django_celery_beat.schedulers import ModelEntry

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        model_entry = ModelEntry.from_entry(name, app=app, **entry)
        assert model_entry.options["expires"] == entry["options"]["expires"], name
        assert model_entry.task == entry["task"]


def test_for_each_brand_enqueues_one_task_per_active_brand():
    from unittest import mock

    from jewelcrm.tenancy.tasks import for_each_brand
    from tests.factories import BrandFactory

    active = [BrandFactory(slug="b-one"), BrandFactory(slug="b-two")]
    BrandFactory(slug="b-off", is_active=False)
    task = mock.Mock()
    assert for_each_brand(task, "x") == [b.pk for b in active]
    # Inside the test's transaction the enqueueing waits for the commit.
    assert task.delay.call_args_list == []


def test_for_each_brand_enqueues_after_commit(django_capture_on_commit_callbacks):
    from unittest import mock

    from jewelcrm.tenancy.tasks import for_each_brand
    from tests.factories import BrandFactory

    brands = [BrandFactory(slug="b-one"), BrandFactory(slug="b-two")]
    task = mock.Mock()
    with django_capture_on_commit_callbacks(execute=True):
        for_each_brand(task, 7)
    assert task.delay.call_args_list == [mock.call(b.pk, 7) for b in brands]


def test_brand_tasks_run_in_the_brand_and_leave_nothing_behind(brand, other_brand):
    from jewelcrm.accounts.tasks import brand_visible_rows_task
    from jewelcrm.tenancy.context import get_current_brand_id
    from tests.factories import MembershipFactory

    MembershipFactory(brand=brand, role="owner")
    MembershipFactory(brand=other_brand, role="owner")
    result = brand_visible_rows_task.delay(other_brand.pk).get()
    assert (result["brand_ids"], result["rows"], result["setting"]) == (
        [other_brand.pk],
        1,
        str(other_brand.pk),
    )
    assert get_current_brand_id() is None


# --- /healthz --------------------------------------------------------------------------------


def test_healthz_without_redis_configured_reports_tasks_in_process():
    with override_settings(REDIS_URL=""):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "worker": "in-process",
    }


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_healthz_with_redis_but_no_worker():
    from jewelcrm.health import worker_heartbeat_forget

    worker_heartbeat_forget()
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "none"}


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_healthz_with_redis_down_answers_503():
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["worker"]) == ("error", "ok", "unknown")
    assert body["redis"].startswith("error: ")


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_healthz_reads_the_worker_heartbeat_and_never_waits_for_a_ping(monkeypatch):
    """/healthz must not broadcast a ping and wait for replies (a second of a web worker per call):
    it reads the heartbeat the workers write."""
    from jewelcrm.health import (
        HEARTBEAT_KEY,
        HEARTBEAT_TTL,
        redis_client,
        worker_heartbeat_forget,
        worker_heartbeat_record,
    )

    pings: list[object] = []
    monkeypatch.setattr(app.control, "ping", lambda *args, **kwargs: pings.append(kwargs) or [])
    worker_heartbeat_forget()
    assert Client().get("/healthz").json()["worker"] == "none"
    worker_heartbeat_record(hostname="worker@test")
    assert 0 < redis_client().ttl(HEARTBEAT_KEY) <= HEARTBEAT_TTL
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"},
    )
    worker_heartbeat_forget()
    assert Client().get("/healthz").json()["worker"] == "none"
    assert pings == []


@pytest.mark.worker
def test_healthz_with_a_running_worker(celery_worker):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}


@pytest.mark.worker
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real worker needs the broker)")
def test_a_stopped_worker_clears_its_heartbeat(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from jewelcrm.health import worker_heartbeat_seen

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            assert worker_heartbeat_seen() is True
    finally:
        app.conf.task_always_eager = previous
    assert Client().get("/healthz").json()["worker"] == "none"


def test_housekeeping_is_scheduled_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-housekeeping"]
    assert entry["task"] == "jewelcrm.accounts.tasks.housekeeping_task"
    assert entry["options"]["expires"] == int(timedelta(hours=2).total_seconds())


# --- CEL-07: no bare .delay( in request code ---------------------------------------------------------
# Every place that hands a task to the broker, reviewed: each enqueues only after the commit of the
# transaction that decided it (or is a task or a helper that only such places call).
ENQUEUE_SITES = {
    "jewelcrm/tenancy/tasks.py": "for_each_brand: transaction.on_commit(partial(task.delay, ...))",
    "jewelcrm/messaging/services.py": "message_enqueue, called by transaction.on_commit only (the outbox)",
    "jewelcrm/messaging/tasks.py": "the relay, a task, enqueues what the send log holds as due",
    "jewelcrm/billing/notices.py": "_notice_email_enqueue, called by transaction.on_commit only",
    "jewelcrm/imports/tasks.py": "enqueue_import_job: the job row is committed first; the sweep re-enqueues",
    "campaigns/audiences/services.py": "audience_upload_enqueue: transaction.on_commit(partial(task.delay))",
}
_ENQUEUE = re.compile(r"\.(delay|apply_async)\(")


def _enqueue_sites() -> dict[str, list[str]]:
    root = Path(__file__).resolve().parents[2]
    found: dict[str, list[str]] = {}
    for folder in ("jewelcrm", "customers", "warranties", "segmentation", "campaigns"):
        for path in sorted((root / folder).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            hits = [
                line.strip()
                for line in path.read_text().splitlines()
                if _ENQUEUE.search(line) and not line.strip().startswith(("#", '"""'))
            ]
            if hits:
                found[path.relative_to(root).as_posix()] = hits
    return found


def test_no_bare_delay_in_request_code():
    """CEL-07: a task is never handed to the broker from request code directly (it could run before the
    commit, or for a rolled-back change): only the reviewed sites above, each after the commit."""
    sites = _enqueue_sites()
    assert {path for path in sites if path not in ENQUEUE_SITES} == set(), sites
    assert not any("/views" in path or path.endswith(("views.py", "api.py")) for path in sites)


def test_the_enqueue_check_catches_a_new_site(monkeypatch):
    module = Path(__file__).resolve().parents[2] / "customers" / "zz_probe.py"
    monkeypatch.setattr(Path, "rglob", lambda self, pattern: [module] if self.name == "customers" else [])
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: "send_task.delay(brand.pk)\n")
    assert _enqueue_sites() == {"customers/zz_probe.py": ["send_task.delay(brand.pk)"]}


# --- CEL-09, CEL-10: failures stay in their task ------------------------------------------------------


def _project_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_retries_a_bounded_number_of_times_with_a_growing_delay():
    """CEL-09: no task retries for ever (Celery's max_retries=None), and those that retry by themselves on
    an error (autoretry_for) wait longer each time; after the last retry the failure is parked
    (jewelcrm.task_failures, checked with a real worker in test_task_failures.py)."""
    tasks = _project_tasks()
    assert tasks
    assert {name for name, task in tasks.items() if task.max_retries is None} == set()
    autoretrying = {name: task for name, task in tasks.items() if getattr(task, "autoretry_for", ())}
    assert "jewelcrm.billing.tasks.update_usage_task" in autoretrying
    assert {name for name, task in autoretrying.items() if not task.retry_backoff} == set()
    from celery.signals import task_failure

    from jewelcrm.task_failures import _parked

    assert _parked in [receiver() for _key, receiver in task_failure.receivers]


def test_a_brand_whose_task_fails_in_process_leaves_the_next_brands_to_run(
    django_capture_on_commit_callbacks,
):
    """CEL-10 without Redis (ADR 0007: tasks run in-process after the commit, errors propagating): one
    brand's failing task is logged and the next brands' tasks still run."""
    from jewelcrm.tenancy.tasks import for_each_brand
    from tests.factories import BrandFactory

    brands = [BrandFactory(slug="b-one"), BrandFactory(slug="b-two"), BrandFactory(slug="b-three")]
    ran: list[int] = []

    class Task:
        @staticmethod
        def delay(brand_id: int) -> None:
            if brand_id == brands[0].pk:
                raise RuntimeError("this brand's chunk fails")
            ran.append(brand_id)

    with django_capture_on_commit_callbacks(execute=True):
        for_each_brand(Task)
    assert ran == [brands[1].pk, brands[2].pk]


CANVAS = re.compile(r"\b(group|chord|chain|chunks|xmap|starmap|signature)\s*\(|\.(s|si|map|starmap)\(")


def test_no_task_is_composed_in_groups_chords_or_chains():
    """ISO-08's groups and chords: the code composes no task (every fan-out is for_each_brand, one plain
    task per brand taking the brand's id, run under brand_task). A group, chord or chain added later fails
    here, to be given a test that the brand reaches every task and callback."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for folder in ("jewelcrm", "customers", "warranties", "segmentation", "campaigns"):
        for path in sorted((root / folder).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            if "celery" not in text:
                continue
            found += [
                f"{path.relative_to(root)}: {line.strip()}"
                for line in text.splitlines()
                if CANVAS.search(line) and ".group(" not in line
            ]
    assert found == []
    assert CANVAS.search("chord(send.s(b) for b in ids)(done.si())")  # the check sees one
