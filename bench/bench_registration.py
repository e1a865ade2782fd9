"""Benchmark: the sale registration endpoint on PostgreSQL under 20 concurrent clients.

Starts gunicorn (a few workers × threads) on 127.0.0.1, creates its own brand, store, product and
fresh in-stock items, then 20 client threads (httpx) each POST /api/v1/<brand>/registrations/ with the
brand's API key and a new Idempotency-Key, one fresh item and a new customer per request.

Phases, each measured for BENCH_SECONDS after a warm-up:
- paced: each client registers R sales per second (R in BENCH_RATES), like tills at a steady pace.
  Open loop: a sale is due at a fixed time whether or not the previous one was answered, and its latency
  is counted from that time, so a server falling behind shows in the figures (no coordinated omission).
- back-to-back: each client sends its next sale as soon as the previous one is answered (closed loop):
  the server saturated, its throughput and the queue the clients then wait in.
- floor: the same 20 clients back-to-back on the cheapest authenticated API call (`GET whoami/`: the API
  key checked in a brand scope, no write), for the machine's own ceiling under this harness.
Reports p50/p95/p99 latency and throughput of each, and the CPU each side used per request in the
back-to-back phase. Target: p95 < 150 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> \
        .venv/bin/python bench/bench_registration.py

BENCH_SECONDS (default 15, per phase), BENCH_CLIENTS (20), BENCH_WORKERS (3), BENCH_THREADS (4),
BENCH_PORT (8004), BENCH_RATES (1,2,3: sales per second per client in the paced phases).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.harness import (  # noqa: E402
    cpu_calibration,
    cpu_seconds,
    cpu_used,
    gunicorn_start,
    gunicorn_stop,
    percentile,
    pids_of,
)
from bench.report import write_section  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", 15))
WARMUP_SECONDS = 3.0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 20))
WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
PORT = int(os.environ.get("BENCH_PORT", 8004))
RATES = [float(r) for r in os.environ.get("BENCH_RATES", "1,2,3").split(",") if r.strip()]
TARGET_P95_MS = 150.0
MAX_ITEMS = 20_000  # upper bound of requests in one run (one fresh item each)


def setup_data(run: str) -> tuple[str, str, str, list[str]]:
    """A brand of its own for this run, a store, a product, fresh items and an API key."""
    from jewelcrm.accounts.models import Brand
    from jewelcrm.accounts.services import api_key_create
    from jewelcrm.catalog.models import Product
    from jewelcrm.retail.models import Retailer, Store
    from jewelcrm.tenancy.context import brand_context
    from warranties.inventory.models import Item

    slug = f"bench-reg-{run}"
    taken = set(Brand.objects.values_list("code_prefix", flat=True))
    prefix = next(f"Z{n:03d}" for n in range(1000) if f"Z{n:03d}" not in taken)
    brand = Brand.objects.create(name=f"Bench {run}", slug=slug, code_prefix=prefix, languages=["fr", "en"])
    with brand_context(brand):
        retailer = Retailer.objects.create(brand=brand, name="Bench Retail", is_own=True)
        store = Store.objects.create(
            brand=brand,
            retailer=retailer,
            code="BEN-01",
            name="Bench Boutique",
            type="boutique",
            city="Paris",
            country="FR",
            currency="EUR",
            market="FR",
        )
        product = Product.objects.create(
            brand=brand, reference="BEN-RING", name_en="Bench ring", price=1000, warranty_months=24
        )
        serials = [f"BEN{run}{i:06d}" for i in range(MAX_ITEMS)]
        Item.objects.bulk_create(
            [
                Item(
                    brand=brand,
                    product=product,
                    serial=s,
                    public_code=f"Z-{run}-{i:06d}",
                    current_store=store,
                    shipped_to_store=store,
                    status="in_stock",
                )
                for i, s in enumerate(serials)
            ],
            batch_size=5000,
        )
        _key, raw = api_key_create(brand=brand, name="bench")
    return slug, store.code, raw, serials


def registration_payload(serial: str, index: int, store_code: str) -> dict[str, Any]:
    return {
        "serial": serial,
        "store": store_code,
        "price_paid": "1250.00",
        "currency": "EUR",
        "customer": {
            "email": f"{serial.lower()}@bench.test",
            "first_name": "Bench",
            "last_name": f"Client {index}",
            "language": "fr",
        },
        "consents": ["email"],
    }


def run_load(
    send: Callable[[httpx.Client, int], int],
    raw_key: str,
    seconds: float,
    rate_per_client: float | None = None,
) -> dict[str, Any]:
    """CLIENTS threads call `send(client, index)` (it returns the HTTP status, or 0 to stop) for
    `seconds` after a warm-up.

    rate_per_client None: closed loop, each client sends as soon as its previous request is answered and
    the latency runs from the send. Otherwise open loop: request n of a client is due at
    start + offset + n / rate, and its latency runs from that due time.
    """
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    answered = [0]  # every answered request, warm-up included
    start = time.monotonic()
    measure_from = start + WARMUP_SECONDS
    stop_at = measure_from + seconds

    def client_loop(index: int) -> None:
        headers = {"Authorization": f"Api-Key {raw_key}"}
        interval = 1 / rate_per_client if rate_per_client else 0.0
        due = start + (index / CLIENTS) * interval
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers=headers, timeout=30) as client:
            while True:
                if interval:
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    began = due
                    due += interval
                else:
                    began = time.monotonic()
                if began >= stop_at:
                    return
                status = send(client, index)
                if not status:
                    return
                elapsed = (time.monotonic() - began) * 1000
                with lock:
                    answered[0] += 1
                if began >= measure_from:
                    with lock:
                        latencies.append(elapsed)
                        statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "statuses": statuses, "seconds": seconds, "answered": answered[0]}


def row(label: str, offered: str, result: dict[str, Any], ok_status: int) -> tuple[str, float, bool]:
    latencies: list[float] = result["latencies"]
    statuses: dict[int, int] = result["statuses"]
    ok = statuses.get(ok_status, 0)
    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
    met = p95 < TARGET_P95_MS and ok == len(latencies) and ok > 0
    cells = [
        label,
        offered,
        len(latencies),
        len(latencies) - ok,
        f"{len(latencies) / result['seconds']:.0f} req/s",
        f"{p50:.0f} ms",
        f"**{p95:.0f} ms**",
        f"{p99:.0f} ms",
        f"{max(latencies or [0]):.0f} ms",
        "met" if met else "not met",
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |", p95, met


def main() -> None:
    from django.urls import reverse

    call_command("db_setup", verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    run = time.strftime("%Y%m%d%H%M%S")
    slug, store_code, raw_key, serials = setup_data(run)
    remaining = iter(serials)
    serial_lock = threading.Lock()
    registrations = f"/api/v1/{slug}/registrations/"
    whoami = reverse("accounts-api:whoami", kwargs={"brand_slug": slug})

    def register(client: httpx.Client, index: int) -> int:
        with serial_lock:
            serial = next(remaining, None)
        if serial is None:
            return 0
        response = client.post(
            registrations,
            json=registration_payload(serial, index, store_code),
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        return response.status_code

    def check_key(client: httpx.Client, index: int) -> int:
        return client.get(whoami).status_code

    load = os.getloadavg()[0]
    calibration = min(cpu_calibration() for _ in range(3))
    # The per-key rate limit (600/min by default) is not what is measured here.
    server = gunicorn_start(
        app="jewelcrm.wsgi:application", port=PORT, workers=WORKERS, threads=THREADS,
        ready_path="/healthz", env={"API_KEY_RATE": "1000000/min"},
    )  # fmt: skip
    try:
        # Every worker thread opens its connections and loads what it loads lazily before any measure.
        run_load(register, raw_key, WARMUP_SECONDS)
        paced = [(rate, run_load(register, raw_key, SECONDS, rate_per_client=rate)) for rate in RATES]
        sides = {
            "gunicorn": lambda: pids_of(parent=server.pid),
            "PostgreSQL": lambda: pids_of(name="postgres"),
            "clients": lambda: [os.getpid()],
        }
        before = {side: cpu_seconds(pids()) for side, pids in sides.items()}
        saturated = run_load(register, raw_key, SECONDS)
        used = {side: cpu_used(before[side], cpu_seconds(pids())) for side, pids in sides.items()}
        floor = run_load(check_key, raw_key, SECONDS)
    finally:
        gunicorn_stop(server)

    rows, best, all_met = [], None, True
    for rate, result in sorted(paced, key=lambda pair: pair[0]):
        line, _p95, met = row(
            f"paced, {rate:g} sale/s per client", f"{rate * CLIENTS:.0f} req/s", result, ok_status=201
        )
        rows.append(line)
        all_met = all_met and met
        if all_met:
            best = rate  # every rate up to this one met the target
    line_saturated, p95_saturated, met_saturated = row("back-to-back", "as fast as answered", saturated, 201)
    line_floor, p95_floor, _met = row("floor: `GET whoami/` back-to-back", "as fast as answered", floor, 200)
    handled = max(saturated["answered"], 1)
    # PostgreSQL: all its processes, background writers included.
    cpu = ", ".join(f"{side} {seconds * 1000 / handled:.1f} ms" for side, seconds in used.items())
    throughput = len(saturated["latencies"]) / SECONDS
    paced_verdict = (
        f"**met** up to {best:g} sale/s per client ({best * CLIENTS:.0f} sales per second in all)"
        if best is not None
        else "**not met** at any paced rate measured"
    )
    body = f"""
`POST /api/v1/<brand>/registrations/` with an API key and an `Idempotency-Key`, a fresh in-stock item and a
new customer per request: in one transaction the key check, the replay check, the store, the item under
its row lock, the customer search, then the customer, order and line, registration, item, timeline event,
consent entries (one statement) and audit row; the confirmation e-mail is enqueued after commit. gunicorn
{WORKERS} workers × {THREADS} threads (gthread) on 127.0.0.1, {CLIENTS} concurrent httpx clients (threads)
on the same 2-core machine, {SECONDS:.0f} s measured per phase after a {WARMUP_SECONDS:.0f} s warm-up,
PostgreSQL under row-level security. Load average at the start: {load:.1f}; a fixed Python loop took
{calibration:.0f} ms (the same loop, timed on every run, tells a slower moment of the machine).

| {CLIENTS} clients | offered | requests | errors | throughput | p50 | p95 | p99 | max | p95 < 150 ms |
|---|---|---:|---:|---:|---:|---:|---:|---:|---|
{chr(10).join(rows)}
{line_saturated}
{line_floor}

Paced phases are open loop: each sale is due at a fixed time and its latency runs from then, so a server
falling behind shows. Target p95 < {TARGET_P95_MS:.0f} ms with 20 concurrent clients: {paced_verdict}.

Back-to-back, the clients keep {CLIENTS} sales in flight at all times, so by Little's law each waits about
{CLIENTS} / throughput = {CLIENTS / max(throughput, 1) * 1000:.0f} ms: the p95 there
({p95_saturated:.0f} ms, {"met" if met_saturated else "not met"}) measures the machine's throughput, about
{throughput:.0f} sales per second, not the latency of a sale. CPU per sale in that phase: {cpu}
(the 2 cores are shared by all three). The floor row is the cheapest authenticated API call under the
same 20 clients: its p95 of {p95_floor:.0f} ms is the part of any back-to-back figure that is the harness
and the machine rather than the sale.
"""
    write_section("registration", "Sale registration API under 20 concurrent clients", body)
    print(body)
    _purge_queue()


def _purge_queue() -> None:
    """Registration e-mails of the synthetic customers were enqueued to the broker: drop them."""
    if not settings.REDIS_URL:
        return
    try:
        from jewelcrm.celery import app

        app.control.purge()
    except Exception as error:  # noqa: BLE001 - the benchmark result is already written
        print(f"could not purge the task queue: {error}")


if __name__ == "__main__":
    main()
