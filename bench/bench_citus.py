"""Benchmark: the sale registration and the public item page on Citus beside plain PostgreSQL, one run.

Two databases with the same migrations: one on the machine's PostgreSQL (DATABASE_URL), one on the local
Citus cluster of `bin/citus-cluster` (a coordinator and two workers, CITUS_PORT, default 7401; started if
needed). Rounds alternate between them (PostgreSQL, Citus, PostgreSQL, Citus...) so background load on the
machine weighs on both alike. Each round is a fresh process that creates a brand, a store, a product and
BENCH_CITUS_ITEMS in-stock items (not timed), then times, one request after the other through Django's
whole stack (test client: middleware, API key, the view, the service, the database):
- the sale registration: `POST /api/v1/<brand>/registrations/` for each item (new customer, consent);
- the public page: `GET /i/<code>` of each item just sold (each code once: no page cache hit).
Reported: median and 90th percentile per request, and Citus / PostgreSQL of the medians.
Target: Citus within 2x of PostgreSQL on both (a coordinator adds one network hop per statement).

    .venv/bin/python bench/bench_citus.py        (or `make bench`, `./bin/bench citus`)

BENCH_CITUS_ITEMS (default 150), BENCH_CITUS_ROUNDS (default 2 per database), CITUS_PORT (7401).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ITEMS = int(os.environ.get("BENCH_CITUS_ITEMS", 150))
ROUNDS = int(os.environ.get("BENCH_CITUS_ROUNDS", 2))
CITUS_PORT = int(os.environ.get("CITUS_PORT", 7401))
TARGET_RATIO = 2.0


def _env(database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="jewelcrm.settings.local",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PORTAL_PUBLIC_LOOKUP_RATE="100000/m",
        API_KEY_RATE="100000/min",
    )
    return env


# --- one round, in a process of its own ------------------------------------------------------------


def _round() -> dict[str, Any]:
    import django

    django.setup()
    from django.test import Client

    from jewelcrm.accounts.models import Brand
    from jewelcrm.accounts.services import api_key_create
    from jewelcrm.catalog.models import Product
    from jewelcrm.retail.models import Retailer, Store
    from jewelcrm.tenancy.context import brand_context
    from warranties.inventory.codes import public_code_new
    from warranties.inventory.models import Item

    run = uuid.uuid4().hex[:6]
    taken = set(Brand.objects.values_list("code_prefix", flat=True))
    prefix = next(f"Y{n:03d}" for n in range(1000) if f"Y{n:03d}" not in taken)
    brand = Brand.objects.create(name=f"Bench {run}", slug=f"bench-citus-{run}", code_prefix=prefix)
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
            brand=brand, reference="BEN-RING", name_en="Ring", warranty_months=24
        )
        items = Item.objects.bulk_create(
            [
                Item(
                    brand=brand,
                    product=product,
                    serial=f"BC{run}{i:05d}",
                    public_code=public_code_new(brand=brand),
                    current_store=store,
                    shipped_to_store=store,
                    status="in_stock",
                )
                for i in range(ITEMS)
            ]
        )
        _key, raw = api_key_create(brand=brand, name="bench")
    client = Client()
    registration, page = [], []
    for index, item in enumerate(items):
        body = {
            "serial": item.serial,
            "store": "BEN-01",
            "price_paid": "1250.00",
            "currency": "EUR",
            "customer": {
                "email": f"c{index}-{run}@bench.test",
                "first_name": "Bench",
                "last_name": f"Client {index}",
                "language": "fr",
            },
            "consents": ["email"],
        }
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/{brand.slug}/registrations/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Api-Key {raw}",
            HTTP_IDEMPOTENCY_KEY=f"{run}-{index}",
        )
        registration.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:300]
    for item in items:
        started = time.perf_counter()
        response = client.get(f"/i/{item.public_code}")
        page.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    warm = 5  # the first requests of a process warm its caches: left out
    return {"registration": registration[warm:], "page": page[warm:]}


# --- the run: both databases, alternating ----------------------------------------------------------


def _prepare(database_url: str) -> None:
    env = _env(database_url)
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "manage.py", "db_setup"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own scripts
    subprocess.run([py, "manage.py", "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)  # noqa: S603


def _durability(database_url: str) -> str:
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            values = []
            for setting in ("fsync", "synchronous_commit"):
                cursor.execute(f"SHOW {setting}")
                values.append(f"{setting} {cursor.fetchone()[0]}")
        return ", ".join(values)
    finally:
        conn.close()


def _cluster_durable(citus_url: str, durable: bool) -> None:
    """The local cluster may run with fsync off (CI's throw-away clusters): durable like PostgreSQL for the
    measurement, as it was afterwards."""
    import psycopg2

    conn = psycopg2.connect(citus_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT DISTINCT nodeport FROM pg_dist_node")
        ports = {CITUS_PORT, *(row[0] for row in cursor.fetchall())}
    conn.close()
    for port in sorted(ports):
        node = psycopg2.connect(citus_url.rsplit("/", 1)[0].rsplit(":", 1)[0] + f":{port}/postgres")
        node.autocommit = True
        with node.cursor() as cursor:
            for setting in ("fsync", "synchronous_commit"):
                cursor.execute(
                    f"ALTER SYSTEM SET {setting} = on" if durable else f"ALTER SYSTEM RESET {setting}"
                )
            cursor.execute("SELECT pg_reload_conf()")
        node.close()
    time.sleep(1)


def main() -> None:
    from bench.report import write_section

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jewelcrm_bench")
    plain = base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1].split("?")[0] + "_plain"
    citus_db = "jewelcrm_bench_citus"
    citus = f"postgres://postgres@127.0.0.1:{CITUS_PORT}/{citus_db}"
    subprocess.run(  # noqa: S603 - our own scripts
        [str(ROOT / "bin" / "citus-cluster"), "start", citus_db],
        cwd=ROOT,
        check=True,
        env={**os.environ, "CITUS_PORT": str(CITUS_PORT)},
    )
    targets = {"PostgreSQL": plain, "Citus (coordinator + 2 workers)": citus}
    for url in targets.values():
        _prepare(url)
    _cluster_durable(citus, True)
    durability = {name: _durability(url) for name, url in targets.items()}
    samples: dict[str, dict[str, list[float]]] = {name: {"registration": [], "page": []} for name in targets}
    for _round_number in range(ROUNDS):
        for name, url in targets.items():
            out = subprocess.run(  # noqa: S603
                [str(ROOT / ".venv" / "bin" / "python"), __file__, "--round"],
                env=_env(url),
                cwd=ROOT,
                check=False,
                capture_output=True,
                text=True,
            )
            if out.returncode:
                sys.exit(f"{name}: the round failed:\n{out.stderr[-3000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            for kind in ("registration", "page"):
                samples[name][kind] += result[kind]
            print(f"  {name}: round done", flush=True)

    _cluster_durable(citus, False)

    def stats(values: list[float]) -> tuple[float, float]:
        ordered = sorted(values)
        return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.9) - 1] * 1000

    names = list(targets)
    lines = [
        "| request | PostgreSQL median / p90 | Citus median / p90 | Citus ÷ PostgreSQL (median) | target |",
        "|---|---|---|---|---|",
    ]
    verdicts = []
    for kind, label in (("registration", "sale registration (API)"), ("page", "public item page")):
        pg, ci = stats(samples[names[0]][kind]), stats(samples[names[1]][kind])
        ratio = ci[0] / pg[0]
        verdicts.append(ratio <= TARGET_RATIO)
        lines.append(
            f"| {label} | {pg[0]:.1f} ms / {pg[1]:.1f} ms | {ci[0]:.1f} ms / {ci[1]:.1f} ms | "
            f"**{ratio:.2f}** | ≤ {TARGET_RATIO:.0f} {'✓' if ratio <= TARGET_RATIO else '✗'} |"
        )
    load = os.getloadavg()[0]
    body = (
        "`bench/bench_citus.py`: the same requests, one after the other through Django's whole stack, "
        "on plain PostgreSQL and on the local Citus cluster (`bin/citus-cluster`: a coordinator and two "
        "workers of the same machine's PostgreSQL 15), in alternating rounds of one process each; "
        f"{ROUNDS} rounds × {ITEMS} items per database. Each item is registered (new customer, consent), "
        "then its public page is read once (no page cache hit).\n\n"
        + "\n".join(lines)
        + "\n\nDurability settings of the two (they weigh on every commit): "
        + "; ".join(f"{name}: {value}" for name, value in durability.items())
        + f".\n\nLoad average at the end: {load:.1f}. Every node runs on this machine, so Citus' extra hop "
        "(coordinator → worker) costs CPU here rather than network time; on separate machines the ratio "
        "depends on the network's round trip."
    )
    write_section("citus", "Citus beside PostgreSQL: sale registration and public page", body)
    print("\n".join(lines))
    if not all(verdicts):
        sys.exit(1)


if __name__ == "__main__":
    if "--round" in sys.argv:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
        print(json.dumps(_round()))
    else:
        main()
