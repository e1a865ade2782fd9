"""Without Redis, Celery beat runs the periodic jobs itself (ADR 0007): tasks are eager, so when beat's
scheduler applies a due entry the task runs in beat's own process, fan-out included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery.beat import Scheduler
from django.contrib.sessions.models import Session

from customers.models import Customer
from customers.tests.factories import CustomerFactory
from jewelcrm.celery import app
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _age(customer, days):
    old = datetime.now(tz=UTC) - timedelta(days=days)
    with brand_context(customer.brand):
        assert Customer.objects.filter(pk=customer.pk).update(created_at=old, updated_at=old) == 1


def test_beat_without_redis_runs_each_periodic_job_in_its_own_process(
    brand, other_brand, settings, django_capture_on_commit_callbacks
):
    assert settings.CELERY_TASK_ALWAYS_EAGER  # as `make run` without REDIS_URL
    settings.CUSTOMER_RETENTION_MONTHS = 12
    mine, theirs, recent = (
        CustomerFactory(brand=brand),
        CustomerFactory(brand=other_brand),
        CustomerFactory(brand=brand),
    )
    _age(mine, 2 * 365)
    _age(theirs, 2 * 365)
    past = datetime.now(tz=UTC) - timedelta(days=1)
    Session.objects.create(session_key="e" * 32, session_data="", expire_date=past)

    # Celery's own scheduler over the one schedule (beat's database scheduler copies the same entries).
    app.loader.import_default_modules()  # as `celery beat` does when it starts: every app's tasks
    scheduler = Scheduler(app=app, lazy=True)
    scheduler.update_from_dict(settings.CELERY_BEAT_SCHEDULE)
    assert {"accounts-housekeeping", "customers-retention"} <= set(scheduler.schedule)
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("accounts-housekeeping", "customers-retention"):
            result = scheduler.apply_async(scheduler.schedule[name], advance=False)
            assert result.successful(), name  # an eager result: the task ran here

    assert not Session.objects.filter(session_key="e" * 32).exists()
    with brand_context(brand):
        assert [c.pk for c in Customer.objects.filter(is_pseudonymised=True)] == [mine.pk]
        assert not Customer.objects.get(pk=recent.pk).is_pseudonymised
    with brand_context(other_brand):
        assert Customer.objects.get(pk=theirs.pk).is_pseudonymised


def test_every_task_can_be_sent_its_soft_time_limit_within_its_hard_one():
    # Celery refuses to send a task whose soft limit (its own, else the global one) passes its hard limit:
    # a periodic job declared that way never runs, with or without Redis.
    app.loader.import_default_modules()
    soft_default = app.conf.task_soft_time_limit
    wrong = sorted(
        name
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
        and task.time_limit
        and (task.soft_time_limit or soft_default or 0) > task.time_limit
    )
    assert wrong == []
