"""Fixtures of the platform suites that run real Celery workers in their own processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from jewelcrm.celery import app
from tests.worker import Worker


@pytest.fixture
def broker() -> str:
    """The suite's own Redis database as the broker, emptied of any task; the test process publishes to it."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield settings.REDIS_URL
    app.conf.task_always_eager = previous
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def workers(tmp_path: Path):
    started: list[Worker] = []

    def start(**kwargs: str) -> Worker:
        worker = Worker(broker_url=settings.REDIS_URL, mailbox=tmp_path / "mailbox.txt", **kwargs).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
