"""A real Celery worker (prefork) in its own process group, for tests that kill it or its children."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(
        self, *, broker_url: str, mailbox: Path, concurrency: int = 2, queues: str = "", **env: str
    ) -> None:
        self.broker_url, self.mailbox, self.concurrency, self.env = broker_url, mailbox, concurrency, env
        self.queues = queues  # comma-separated; "" for the default queue only
        self.process: subprocess.Popen[bytes] | None = None
        self.log = mailbox.with_suffix(".worker.log")

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "WORKER_DATABASE_NAME": connection.settings_dict["NAME"],
            "WORKER_BROKER_URL": self.broker_url,
            "MAILBOX_FILE": str(self.mailbox),
            "PYTHONPATH": str(ROOT),
            **self.env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "jewelcrm", "worker", "-P", "prefork",
            "-c", str(self.concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--prefetch-multiplier", "1", "-l", "INFO",
        ] + (["-Q", self.queues] if self.queues else [])  # fmt: skip
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own worker
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and children (a machine or container dying)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


def wait_until(condition: Callable[[], Any], *, limit: float = 180, what: str = "") -> Any:
    """Poll `condition` until it is true; fail after `limit` seconds (a guard, not a measured time)."""
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or condition}")
        time.sleep(0.2)


def settings_brief() -> str:
    return json.dumps({"db": connection.settings_dict["NAME"], "redis": settings.REDIS_URL})
