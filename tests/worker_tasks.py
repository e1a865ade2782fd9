"""Tasks that only the test workers know (imported by tests/worker_settings.py and the tests that send them).

`always_fails_task(n)` counts its attempts in Redis, then raises a transient error, every time: with the
project's retry policy (jewelcrm.task_failures.TRANSIENT_RETRY), three retries here, then parked.
"""

from __future__ import annotations

from celery import shared_task

from jewelcrm.task_failures import TRANSIENT_RETRY

ATTEMPTS_KEY = "jewelcrm:test:always-fails:attempts"


@shared_task(
    name="tests.worker_tasks.always_fails_task",
    **{**TRANSIENT_RETRY, "autoretry_for": (ConnectionError,), "max_retries": 3},
)
def always_fails_task(n: int) -> None:
    from jewelcrm.health import redis_client

    redis_client().hincrby(ATTEMPTS_KEY, str(n), 1)
    raise ConnectionError(f"the server of task {n} cannot be reached")
