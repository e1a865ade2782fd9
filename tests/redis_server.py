"""A Redis server that a test starts, stops and restarts itself (never the machine's), on a given port."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis


class RedisServer:
    def __init__(self, *, port: int, directory: Path, persistent: bool = False) -> None:
        self.port, self.directory, self.persistent = port, directory, persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        persistence = ["--appendonly", "yes"] if self.persistent else ["--appendonly", "no"]
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence,
                   "--dir", str(self.directory)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()


class broker_at:  # noqa: N801 - used as a context manager
    """Point this process's Celery app at `url` (tasks published there, not run in-process) for a block."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> str:
        from jewelcrm.celery import app

        self.previous = (app.conf.broker_url, app.conf.task_always_eager)
        app.conf.broker_url, app.conf.task_always_eager = self.url, False
        app._pool = None
        app.amqp._producer_pool = None
        return self.url

    def __exit__(self, *exc: object) -> None:
        from jewelcrm.celery import app

        app.conf.broker_url, app.conf.task_always_eager = self.previous
        app._pool = None
        app.amqp._producer_pool = None
