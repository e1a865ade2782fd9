"""Worker heartbeat for /healthz.

A running Celery worker writes a key in Redis every HEARTBEAT_INTERVAL seconds (a worker bootstep on the
worker's own timer, so a stuck event loop stops it), expiring after HEARTBEAT_TTL. /healthz reads that
one key, with a short timeout, instead of broadcasting a ping and waiting for replies: it answers in a
Redis round trip and never holds a web worker for a second.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "jewelcrm:worker-heartbeat"
HEARTBEAT_INTERVAL = 10.0  # seconds between two heartbeats of a worker
HEARTBEAT_TTL = 30  # seconds: three missed heartbeats and the worker counts as gone
REDIS_TIMEOUT = 0.5  # seconds, connect and read, for /healthz and the heartbeat itself


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    """One client (and its connection pool) per Redis URL, kept for the life of the process."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)


def redis_client() -> Any:
    return _redis(settings.REDIS_URL)


def worker_heartbeat_record(*, hostname: str = "") -> None:
    """A worker is alive now (called by the worker's timer)."""
    redis_client().set(HEARTBEAT_KEY, f"{time.time():.0f} {hostname}".strip(), ex=HEARTBEAT_TTL)


def worker_heartbeat_forget() -> None:
    """A worker stops: /healthz says so at once rather than after HEARTBEAT_TTL."""
    redis_client().delete(HEARTBEAT_KEY)


def worker_heartbeat_seen() -> bool:
    """Whether a worker wrote its heartbeat within HEARTBEAT_TTL (one GET; raises when Redis is down)."""
    return redis_client().get(HEARTBEAT_KEY) is not None


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Worker bootstep: write the heartbeat at start, then every HEARTBEAT_INTERVAL on the worker's timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def _beat(self, worker: Any) -> None:
        try:
            worker_heartbeat_record(hostname=getattr(worker, "hostname", "") or "")
        except Exception as error:  # noqa: BLE001 - a missed heartbeat must not stop the worker
            logger.warning("worker heartbeat not written: %s", type(error).__name__)

    def start(self, worker: Any) -> None:
        if not settings.REDIS_URL:
            return
        self._beat(worker)
        self.tref = worker.timer.call_repeatedly(HEARTBEAT_INTERVAL, self._beat, (worker,))

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            worker.timer.cancel(self.tref)
            self.tref = None
        if settings.REDIS_URL:
            try:
                worker_heartbeat_forget()
            except Exception as error:  # noqa: BLE001
                logger.warning("worker heartbeat not cleared: %s", type(error).__name__)

    def terminate(self, worker: Any) -> None:
        self.stop(worker)
