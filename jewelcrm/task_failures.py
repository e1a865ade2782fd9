"""Tasks that keep failing are parked, never retried for ever and never in the way of the others (CEL-09).

- A task retries only for transient errors, with a growing, jittered delay and a bounded number of
  retries (`TRANSIENT_RETRY`). A retry goes back to the broker with its countdown: the worker's child is
  free at once, so the other tasks of the queue keep flowing while a failing one waits.
- After its last retry a task fails for good: Celery acknowledges it (it is not handed back again) and
  `task_failure` parks it here: one log line at ERROR level and one entry in a capped Redis list
  (`PARKED_KEY`: task name, id, arguments, error), which `parked_tasks()` reads. Tasks take ids only
  (STYLE.md), so an entry holds no personal data.

Tasks with their own bookkeeping park in their own rows instead (the send log's "not delivered", a
segmentation run's "failed", an audience upload's "failed"): they catch their errors and do not reach this.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from celery.signals import task_failure
from django.conf import settings

logger = logging.getLogger(__name__)

PARKED_KEY = "jewelcrm:tasks:parked"
PARKED_KEEP = 1000  # the newest entries kept

# The retry policy of a task that may meet a transient error (a server that cannot be reached): delays of
# about 1, 2, 4, 8, 16 s (full jitter, capped at ten minutes), then parked.
TRANSIENT_RETRY: dict[str, Any] = {
    "acks_late": True,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def task_park(*, name: str, task_id: str, args: Any, error: BaseException, retries: int) -> None:
    """Record a task that failed for good. Best effort: a Redis that cannot be reached leaves the log line."""
    logger.error(
        "task %s[%s] parked after %s retries: %s: %s", name, task_id, retries, type(error).__name__, error
    )
    if not settings.REDIS_URL:
        return
    entry = {
        "task": name,
        "id": task_id,
        "args": list(args or ()),
        "error": f"{type(error).__name__}: {error}"[:500],
        "retries": retries,
        "at": round(time.time()),
    }
    try:
        from jewelcrm.health import redis_client

        client = redis_client()
        client.lpush(PARKED_KEY, json.dumps(entry, default=str))
        client.ltrim(PARKED_KEY, 0, PARKED_KEEP - 1)
    except Exception as problem:  # noqa: BLE001 - parking must never break the worker
        logger.warning("parked task %s not recorded in Redis: %s", task_id, type(problem).__name__)


def parked_tasks(limit: int = 100) -> list[dict[str, Any]]:
    """The newest parked tasks, newest first."""
    from jewelcrm.health import redis_client

    return [json.loads(raw) for raw in redis_client().lrange(PARKED_KEY, 0, limit - 1)]


@task_failure.connect
def _parked(sender: Any = None, task_id: str = "", exception: BaseException | None = None, args: Any = None,
            **kwargs: Any) -> None:  # fmt: skip
    retries = getattr(getattr(sender, "request", None), "retries", 0) or 0
    task_park(
        name=getattr(sender, "name", "?"),
        task_id=task_id,
        args=args,
        error=exception or RuntimeError("unknown"),
        retries=retries,
    )
