"""Benchmark: the public item page /i/<code> against a trivial Django view, in the same run.

One gunicorn (gthread) on 127.0.0.1 serves both: this module is also its WSGI entry point, with a root
URLconf made of the project's URLs plus one trivial view (`/bench/trivial`: the whole middleware stack,
no database, a constant response), so both paths run with exactly the same workers, settings and
middleware. Concurrent httpx clients hit each path in alternating phases (trivial, public, trivial,
public), so background load on the machine weighs on both alike. Public pages are requested for random
codes among the run's items (sold, registered, with interventions), as phones scanning QR codes would;
the per-IP look-up limit is lifted for the run (PORTAL_PUBLIC_LOOKUP_RATE). Target: the public page's
throughput is at least half the trivial view's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> \
        .venv/bin/python bench/bench_public_page.py

BENCH_PHASE_SECONDS (default 8), BENCH_CLIENTS (8), BENCH_WORKERS (2), BENCH_THREADS (4), BENCH_PORT (8005),
BENCH_ITEMS (200).
"""

from __future__ import annotations

import logging
import os
import random
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

from bench.harness import gunicorn_start, gunicorn_stop, percentile  # noqa: E402

PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", 8))
ROUNDS = 2
WARMUP_SECONDS = 2.0
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
PORT = int(os.environ.get("BENCH_PORT", 8005))
ITEMS = int(os.environ.get("BENCH_ITEMS", 200))
TARGET_RATIO = 0.5
LOAD_AVERAGE = ""


# --- The server side: this module is gunicorn's application ----------------------------------------


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), path("", include("jewelcrm.urls"))]
handler400 = "jewelcrm.views.error_400"
handler403 = "jewelcrm.views.error_403"
handler404 = "jewelcrm.views.error_404"
handler500 = "jewelcrm.views.error_500"


def _application():  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = __name__
    return get_wsgi_application()


if os.environ.get("BENCH_PUBLIC_PAGE_SERVER") == "1":
    application = _application()


# --- The client side -----------------------------------------------------------------------------


def setup_data(run: str) -> list[str]:
    """A brand of its own, stores in two countries, a product, ITEMS sold pieces with interventions."""
    from customers.models import Customer
    from jewelcrm.accounts.models import Brand
    from jewelcrm.catalog.models import Product
    from jewelcrm.retail.models import Retailer, Store
    from jewelcrm.tenancy.context import brand_context
    from warranties.inventory.codes import public_code_new
    from warranties.inventory.models import Item
    from warranties.models import Intervention, ItemEvent, Registration

    taken = set(Brand.objects.values_list("code_prefix", flat=True))
    prefix = next(f"P{n:03d}" for n in range(1000) if f"P{n:03d}" not in taken)
    brand = Brand.objects.create(
        name=f"Bench public {run}", slug=f"bench-pub-{run}", code_prefix=prefix, languages=["en", "fr"]
    )
    rng = random.Random(5)
    today = date.today()  # noqa: DTZ011 - synthetic dates
    with brand_context(brand):
        retailer = Retailer.objects.create(brand=brand, name="Bench Retail", is_own=True)
        stores = [
            Store.objects.create(
                brand=brand,
                retailer=retailer,
                code=f"BP-{i}",
                name=f"Boutique {city}",
                type="boutique",
                city=city,
                country=country,
                currency=currency,
                market=country,
            )
            for i, (city, country, currency) in enumerate(
                [("Paris", "FR", "EUR"), ("Genève", "CH", "CHF"), ("Lyon", "FR", "EUR")]
            )
        ]
        product = Product.objects.create(
            brand=brand,
            reference="BP-RING",
            name_en="Bench ring",
            name_fr="Bague banc",
            collection="Aurore",
            category="ring",
            price=1000,
            warranty_months=24,
            service_interval_months=24,
        )
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    brand=brand,
                    first_name="Bench",
                    last_name=f"Owner {i}",
                    email=f"owner{i}@{run}.bench.test",
                )
                for i in range(ITEMS)
            ],
            batch_size=2000,
        )
        codes = [public_code_new(brand=brand) for _ in range(ITEMS)]
        items = Item.objects.bulk_create(
            [
                Item(
                    brand=brand,
                    product=product,
                    serial=f"BP{run}{i:06d}",
                    public_code=code,
                    status="sold",
                    owner=customer,
                    current_store=stores[i % 3],
                    shipped_to_store=stores[i % 3],
                )
                for i, (code, customer) in enumerate(zip(codes, customers, strict=True))
            ],
            batch_size=2000,
        )
        registrations, interventions, events = [], [], []
        for i, (item, customer) in enumerate(zip(items, customers, strict=True)):
            sold_on = today - timedelta(days=rng.randint(30, 900))
            registrations.append(
                Registration(
                    brand=brand,
                    item=item,
                    customer=customer,
                    store=stores[i % 3],
                    sold_on=sold_on,
                    price_paid=1000,
                    currency="EUR",
                    warranty_starts_on=sold_on,
                    warranty_ends_on=sold_on + timedelta(days=730),
                )
            )
            events.append(ItemEvent(brand=brand, item=item, kind="sold", store=stores[i % 3], is_public=True))
            for k in range(i % 3):
                interventions.append(
                    Intervention(
                        brand=brand,
                        item=item,
                        store=stores[(i + k) % 3],
                        kind=("service", "resizing")[k % 2],
                        status="returned",
                        received_on=sold_on + timedelta(days=20 + 30 * k),
                        currency="EUR",
                    )
                )
        Registration.objects.bulk_create(registrations, batch_size=2000)
        Intervention.objects.bulk_create(interventions, batch_size=2000)
        ItemEvent.objects.bulk_create(events, batch_size=2000)
    return codes


def run_phase(paths: list[str], seconds: float) -> dict[str, object]:
    import httpx

    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.monotonic()
    measure_from = start + WARMUP_SECONDS
    stop_at = measure_from + seconds

    def client_loop(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            while time.monotonic() < stop_at:
                sent_at = time.monotonic()
                began = time.perf_counter()
                response = client.get(rng.choice(paths))
                elapsed = (time.perf_counter() - began) * 1000
                if sent_at >= measure_from and time.monotonic() <= stop_at:
                    with lock:
                        latencies.append(elapsed)
                        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "statuses": statuses}


def run_cold(paths: list[str]) -> dict[str, float]:
    """First look-up of every code (nothing cached yet): measured, reported, not part of the target."""
    import httpx

    lock = threading.Lock()
    pending = list(paths)
    latencies: list[float] = []
    began = time.monotonic()

    def client_loop() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            while True:
                with lock:
                    if not pending:
                        return
                    target = pending.pop()
                start = time.perf_counter()
                client.get(target)
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=client_loop) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return {
        "throughput": len(latencies) / elapsed,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
    }


def main() -> None:
    from django.core.management import call_command

    from bench.report import write_section

    logging.getLogger("httpx").setLevel(logging.WARNING)
    call_command("db_setup", verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    run = time.strftime("%Y%m%d%H%M%S")
    codes = setup_data(run)
    global LOAD_AVERAGE
    LOAD_AVERAGE = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    public_paths = [f"/i/{code}" for code in codes]
    server = gunicorn_start(
        app="bench.bench_public_page:application",
        port=PORT,
        workers=WORKERS,
        threads=THREADS,
        ready_path="/bench/trivial",
        env={"BENCH_PUBLIC_PAGE_SERVER": "1", "PORTAL_PUBLIC_LOOKUP_RATE": "100000000/m"},
    )
    results: dict[str, dict[str, list]] = {"trivial": {"lat": [], "st": []}, "public": {"lat": [], "st": []}}
    try:
        cold = run_cold(public_paths)
        for _round in range(ROUNDS):
            for name, paths in (("trivial", ["/bench/trivial"]), ("public", public_paths)):
                phase = run_phase(paths, PHASE_SECONDS)
                results[name]["lat"].extend(phase["latencies"])  # type: ignore[arg-type]
                results[name]["st"].append(phase["statuses"])
    finally:
        gunicorn_stop(server)
    measured = PHASE_SECONDS * ROUNDS
    rows, throughput = [], {}
    for name, label in (
        ("trivial", "trivial Django view `/bench/trivial`"),
        ("public", "public item page `/i/<code>`"),
    ):
        lat = results[name]["lat"]
        statuses: dict[int, int] = {}
        for phase_statuses in results[name]["st"]:
            for code, count in phase_statuses.items():
                statuses[code] = statuses.get(code, 0) + count
        throughput[name] = len(lat) / measured
        rows.append(
            f"| {label} | {len(lat)} | {dict(sorted(statuses.items()))} | {throughput[name]:.0f} req/s | "
            f"{percentile(lat, 50):.1f} ms | {percentile(lat, 95):.1f} ms |"
        )
    ratio = throughput["public"] / throughput["trivial"] if throughput["trivial"] else 0.0
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    body = f"""
The public page of a piece (`/i/<code>`, what the QR code of the warranty card opens) against a trivial Django
view, served by the same gunicorn ({WORKERS} workers × {THREADS} threads, gthread) on 127.0.0.1, through the
same middleware stack, measured in the same run: {CLIENTS} concurrent httpx clients, alternating phases
(trivial, public, trivial, public) of {PHASE_SECONDS:.0f} s each after a {WARMUP_SECONDS:.0f} s warm-up;
load average
at the start {LOAD_AVERAGE} (other work shared the machine).
Public pages are requested for random codes among {ITEMS} sold pieces with registrations and interventions.
Each public request: one Redis round trip (per-IP rate-limit counter, the cached resolution of the code,
the cached page, the look-up log entry; the log is written to PostgreSQL in batches of 50), then this
visitor's CSRF token and address filled into the shared rendering.

| path | requests | statuses | throughput | p50 | p95 |
|---|---:|---|---:|---:|---:|
{chr(10).join(rows)}

Ratio public / trivial: **{ratio:.2f}**. Target: at least {TARGET_RATIO} — **{verdict}**.

Before the measured phases, the first look-up of each of the {ITEMS} codes (nothing cached: the brand of the
prefix, the item query under row-level security, building and rendering the page) ran at
{cold["throughput"]:.0f} req/s (p50 {cold["p50"]:.0f} ms, p95 {cold["p95"]:.0f} ms);
it is not part of the target.
The measured phases read the per-code cache, as repeated scans of the same pieces do; the resolution of a
code stays cached for 60 s (the page for 300 s, checked against the item's version), and the portal's own
writes (loss, recovery, transfer, service reception) invalidate it at once.
"""
    write_section("public_page", "Public item page against a trivial view", body)
    print(body)


if __name__ == "__main__":
    main()
