"""What the HTTP benchmarks share: a gunicorn server on 127.0.0.1 and the percentile of latencies."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "jewelcrm.settings.local",
    "DJANGO_DEBUG": "false",
    "LOG_LEVEL": "WARNING",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
}


def gunicorn_start(
    *, app: str, port: int, workers: int, threads: int, ready_path: str, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start gunicorn (gthread) serving `app` and return once `ready_path` answers (any status)."""
    try:
        httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=2)
    except httpx.HTTPError:
        pass
    else:
        raise SystemExit(f"something already answers on port {port}: set BENCH_PORT")
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), app,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
        "--log-level", "warning", "--timeout", "60",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **SERVER_ENV, **(env or {})})  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited (is port {port} already in use? set BENCH_PORT)")
        try:
            httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=5)
            return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def gunicorn_stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-th percentile (nan for no values)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]
