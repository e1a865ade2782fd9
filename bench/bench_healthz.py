"""Benchmark: how long `/healthz` holds a web worker, with no Celery worker running and with one.

One gunicorn (gthread, 1 worker, 1 thread: a call that waits blocks the next one) on 127.0.0.1; one
client calls `/healthz` back to back. Phases: no worker heartbeat in Redis (no Celery worker: the case
where a broadcast ping waited its whole timeout), then a heartbeat present (a worker alive). For
contrast, the broadcast ping `/healthz` used to make (`app.control.ping(timeout=1.0)`) is timed a few
times in this process. Target: p95 under 50 ms in both phases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> \
        REDIS_URL=redis://127.0.0.1:6379/<n> .venv/bin/python bench/bench_healthz.py

BENCH_CALLS (default 300), BENCH_PORT (8006).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402

from bench.harness import cpu_calibration, gunicorn_start, gunicorn_stop, percentile  # noqa: E402
from bench.report import write_section  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", 300))
PORT = int(os.environ.get("BENCH_PORT", 8006))
PINGS = 3
TARGET_MS = 50.0


def _phase(client: httpx.Client) -> tuple[list[float], dict]:
    latencies, body = [], {}
    for _ in range(CALLS):
        began = time.perf_counter()
        response = client.get("/healthz")
        latencies.append((time.perf_counter() - began) * 1000)
        body = response.json()
    return latencies, body


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not settings.REDIS_URL:
        raise SystemExit("bench_healthz needs REDIS_URL")
    from jewelcrm import health
    from jewelcrm.celery import app

    server = gunicorn_start(
        app="jewelcrm.wsgi:application", port=PORT, workers=1, threads=1, ready_path="/healthz"
    )
    rows = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=10) as client:
            health.worker_heartbeat_forget()
            for name, prepare in (
                ("no worker", health.worker_heartbeat_forget),
                ("a worker alive (heartbeat)", health.worker_heartbeat_record),
            ):
                prepare()
                _phase(client)  # warm-up
                latencies, body = _phase(client)
                rows.append((name, body.get("worker"), latencies))
            health.worker_heartbeat_forget()
    finally:
        gunicorn_stop(server)
    pings = []
    for _ in range(PINGS):
        began = time.perf_counter()
        with app.connection_for_read() as conn:
            app.control.ping(timeout=1.0, connection=conn)
        pings.append((time.perf_counter() - began) * 1000)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"Machine at the time: load average {load}; a fixed Python loop took {cpu_calibration():.0f} ms.",
        "",
        f"`/healthz`, {CALLS} calls back to back per phase, one client, gunicorn 1 worker × 1 thread "
        f"(the time of a call is the time it holds the web worker). Target: p95 < {TARGET_MS:.0f} ms.",
        "",
        "| phase | `worker` answered | p50 ms | p95 ms | max ms | target |",
        "|---|---|---|---|---|---|",
    ]
    for name, worker, latencies in rows:
        p95 = percentile(latencies, 95)
        lines.append(
            f"| {name} | `{worker}` | {percentile(latencies, 50):.1f} | {p95:.1f} | {max(latencies):.1f} "
            f"| {'met' if p95 < TARGET_MS else 'missed'} |"
        )
    lines += [
        "",
        f"For contrast, the broadcast ping the check used to make, with no worker to answer "
        f"(`app.control.ping(timeout=1.0)`, {PINGS} times in-process): "
        + ", ".join(f"{value:.0f}" for value in pings)
        + " ms, each of them a web worker held for that long.",
    ]
    write_section("healthz", "Health check: time a call holds a web worker", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
