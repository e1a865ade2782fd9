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


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system) used so far by each of these processes, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two cpu_seconds() readings: by the processes alive at the second one
    (a process started in between counts whole; one gone in between is not counted)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def pids_of(*, parent: int | None = None, name: str | None = None) -> list[int]:
    """The running processes that are `parent` or its children, or whose command line contains `name`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        pid, ppid = int(entry.name), int(stat[1])
        if (parent is not None and parent in (pid, ppid)) or (name is not None and name in command):
            found.append(pid)
    return found


def cpu_calibration() -> float:
    """Milliseconds one core takes for a fixed pure-Python loop: the speed of the machine at the moment
    of the run, to compare runs on a machine whose neighbours come and go."""
    began = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    return (time.perf_counter() - began) * 1000
