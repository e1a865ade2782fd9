"""Benchmark: the Stripe webhook (`POST /billing/stripe/webhook/`) under concurrent deliveries.

One gunicorn (gthread) on 127.0.0.1 serves the project; this module is also its WSGI entry point, which
replaces the stripe library's HTTP client with an in-process stand-in for Stripe (no network: each
re-fetched subscription is built from its id), so what is measured is our side: signature check, the
event row, the re-fetch through the library, the subscription made equal to Stripe's, all in one
transaction under row-level security. Concurrent httpx clients deliver signed events for BRANDS brands in
alternating phases: new events (each applied), then the same events again (each a duplicate), twice.
Afterwards the event log must hold exactly one row per distinct event id and no response may be a 5xx.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> \
        .venv/bin/python bench/bench_billing_webhook.py

BENCH_PHASE_SECONDS (default 8), BENCH_CLIENTS (8), BENCH_WORKERS (2), BENCH_THREADS (4), BENCH_PORT (8006),
BENCH_BRANDS (20).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

import stripe  # noqa: E402

from bench.harness import gunicorn_start, gunicorn_stop, percentile  # noqa: E402

PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", 8))
ROUNDS = 2
WARMUP_SECONDS = 1.0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
PORT = int(os.environ.get("BENCH_PORT", 8006))
BRANDS = int(os.environ.get("BENCH_BRANDS", 20))
SECRET = "whsec_bench"  # noqa: S105 - the benchmark's own signing secret
PRICE = "price_bench_pro_month"


# --- The server side: this module is gunicorn's application ----------------------------------------


class StripeStandIn(stripe.HTTPClient):
    """Answers GET /v1/subscriptions/sub_bench_<brand id> with an active subscription of that brand."""

    name = "bench"

    def request(self, method, url, headers, post_data=None, *, _usage=None):  # type: ignore[no-untyped-def]
        sub_id = url.rsplit("/", 1)[-1].split("?")[0]
        brand_id = sub_id.rsplit("_", 1)[-1]
        body = {
            "id": sub_id,
            "object": "subscription",
            "customer": f"cus_bench_{brand_id}",
            "status": "active",
            "created": 1_800_000_000,
            "cancel_at_period_end": False,
            "trial_end": None,
            "metadata": {"brand_id": brand_id},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": f"si_{brand_id}",
                        "object": "subscription_item",
                        "quantity": 1,
                        "current_period_start": 1_800_000_000,
                        "current_period_end": 1_802_592_000,
                        "price": {
                            "id": PRICE,
                            "object": "price",
                            "currency": "eur",
                            "unit_amount": 79000,
                            "recurring": {"interval": "month", "usage_type": "licensed"},
                        },
                    }
                ],
            },
        }
        return json.dumps(body), 200, {}

    def close(self) -> None:
        return None


if os.environ.get("BENCH_BILLING_SERVER") == "1":
    from django.core.wsgi import get_wsgi_application

    from jewelcrm.billing import stripe_api

    stripe_api.use_http_client(StripeStandIn())
    application = get_wsgi_application()


# --- The client side -----------------------------------------------------------------------------


def setup_data(run: str) -> list[int]:
    from jewelcrm.accounts.models import Brand
    from jewelcrm.billing.models import Plan, Subscription
    from jewelcrm.tenancy.context import brand_context

    Plan.objects.get_or_create(
        code="bench-pro",
        defaults={
            "name": "Bench Pro",
            "name_fr": "Bench Pro",
            "stripe_price_month": PRICE,
            "is_active": False,
        },
    )
    taken = set(Brand.objects.values_list("code_prefix", flat=True))
    prefixes = (f"W{n:03d}" for n in range(1000) if f"W{n:03d}" not in taken)
    ids = []
    for i in range(BRANDS):
        brand = Brand.objects.create(
            name=f"Bench billing {run} {i}", slug=f"bench-bill-{run}-{i}", code_prefix=next(prefixes)
        )
        with brand_context(brand):
            Subscription.objects.create(
                brand=brand, status="trialing", stripe_customer_id=f"cus_bench_{brand.pk}"
            )
        ids.append(brand.pk)
    return ids


def signed(event_id: str, brand_id: int) -> tuple[str, str]:
    payload = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "customer.subscription.updated",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": {"id": f"sub_bench_{brand_id}", "object": "subscription"}},
        }
    )
    return payload, stripe.WebhookSignature.generate_signature_header(payload, SECRET)


def run_phase(make_event, seconds: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    import httpx

    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    bodies: dict[str, int] = {}
    measure_from = time.monotonic() + WARMUP_SECONDS
    stop_at = measure_from + seconds

    def client_loop(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            while time.monotonic() < stop_at:
                payload, header = make_event(rng)
                sent_at = time.monotonic()
                began = time.perf_counter()
                response = client.post(
                    "/billing/stripe/webhook/",
                    content=payload,
                    headers={"Stripe-Signature": header, "Content-Type": "application/json"},
                )
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    bodies[response.text] = bodies.get(response.text, 0) + 1
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if sent_at >= measure_from and time.monotonic() <= stop_at:
                        latencies.append(elapsed)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "statuses": statuses, "bodies": bodies}


def main() -> None:
    from django.core.management import call_command

    from bench.report import write_section
    from jewelcrm.billing.models import StripeEvent

    logging.getLogger("httpx").setLevel(logging.WARNING)
    call_command("db_setup", verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    run = time.strftime("%Y%m%d%H%M%S")
    brand_ids = setup_data(run)
    load_average = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    server = gunicorn_start(
        app="bench.bench_billing_webhook:application", port=PORT, workers=WORKERS, threads=THREADS,
        ready_path="/healthz",
        env={"BENCH_BILLING_SERVER": "1", "STRIPE_SECRET_KEY": "sk_bench", "STRIPE_WEBHOOK_SECRET": SECRET},
    )  # fmt: skip
    counter = itertools.count()
    sent: list[tuple[str, str]] = []
    sent_lock = threading.Lock()

    def new_event(rng: random.Random) -> tuple[str, str]:
        event = signed(f"evt_bench_{run}_{next(counter)}", rng.choice(brand_ids))
        with sent_lock:
            sent.append(event)
        return event

    def old_event(rng: random.Random) -> tuple[str, str]:
        with sent_lock:
            return rng.choice(sent)

    results: dict[str, dict[str, list]] = {
        "new": {"lat": [], "st": [], "b": []},
        "dup": {"lat": [], "st": [], "b": []},
    }
    try:
        for _round in range(ROUNDS):
            for name, maker in (("new", new_event), ("dup", old_event)):
                phase = run_phase(maker, PHASE_SECONDS)
                results[name]["lat"].extend(phase["latencies"])  # type: ignore[arg-type]
                results[name]["st"].append(phase["statuses"])
                results[name]["b"].append(phase["bodies"])
    finally:
        gunicorn_stop(server)
    distinct = len({payload for payload, _header in sent})
    stored = StripeEvent.objects.filter(event_id__startswith=f"evt_bench_{run}_").count()
    measured = PHASE_SECONDS * ROUNDS
    rows = []
    server_errors = 0
    for name, label in (("new", "new events (applied)"), ("dup", "the same events again (duplicates)")):
        lat = results[name]["lat"]
        statuses: dict[int, int] = {}
        bodies: dict[str, int] = {}
        for phase_statuses, phase_bodies in zip(results[name]["st"], results[name]["b"], strict=True):
            for code, count in phase_statuses.items():
                statuses[code] = statuses.get(code, 0) + count
                server_errors += count if code >= 500 else 0
            for body, count in phase_bodies.items():
                bodies[body] = bodies.get(body, 0) + count
        rows.append(
            f"| {label} | {len(lat)} | {dict(sorted(statuses.items()))} | {dict(sorted(bodies.items()))} | "
            f"{len(lat) / measured:.0f} ev/s | {percentile(lat, 50):.1f} ms | {percentile(lat, 95):.1f} ms |"
        )
    verdict = "held" if stored == distinct and server_errors == 0 else "NOT held"
    body = f"""
Signed `customer.subscription.updated` deliveries to `POST /billing/stripe/webhook/`, served by gunicorn
({WORKERS} workers × {THREADS} threads, gthread) on 127.0.0.1: {CLIENTS} concurrent httpx clients, for
{BRANDS} brands, alternating phases of {PHASE_SECONDS:.0f} s (new events, then random events already sent),
{ROUNDS} rounds; load average at the start {load_average}. Stripe is replaced at the library's HTTP
client by an in-process stand-in, so the figures are our side only (a real re-fetch adds Stripe's
round trip). A new event: signature check, the event row, the re-fetch, the brand's subscription locked and
made equal to Stripe's, one transaction. A duplicate: signature check and the unique index.

| deliveries | requests | statuses | answers | throughput | p50 | p95 |
|---|---:|---|---|---:|---:|---:|
{chr(10).join(rows)}

Exactly once: {distinct} distinct event ids sent (warm-ups included), {stored} stored, {server_errors} 5xx —
**{verdict}**.
"""
    write_section("billing_webhook", "Stripe webhook under concurrent deliveries", body)
    print(body)


if __name__ == "__main__":
    main()
