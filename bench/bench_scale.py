"""Benchmark: the brand's pages at a million customers and three million orders.

Generates (once, set-based with generate_series, through the administrative login so that it is quick)
one brand with BENCH_CUSTOMERS customers (default 1,000,000), three orders each, half of them with a
confirmed e-mail consent, then VACUUM ANALYZE. Then it renders, in this process and as the brand's
owner, the dashboard home (with its ten-minute figures absent, then kept), the customer list's first and
a following page, and searches by name, e-mail and phone; each page BENCH_REPEAT times (default 5). It
reports the median and worst server time (the whole Django request: middleware, views, templates,
queries) and the number of SQL statements, and rewrites its section of docs/benchmarks.md. Target:
every page under 300 ms with a fixed number of statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> .venv/bin/python bench/bench_scale.py
"""

# ruff: noqa: E501 - the generating SQL reads better unwrapped
from __future__ import annotations

import html
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.report import write_section  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 1_000_000))
ORDERS_PER_CUSTOMER = 3
REPEAT = int(os.environ.get("BENCH_REPEAT", 5))
# Searches scan every profile under row-level security (ADR 0028): fewer repetitions keep the run short.
SEARCH_REPEAT = int(os.environ.get("BENCH_SEARCH_REPEAT", 2))
TARGET_MS = 300
SLUG = "bench-scale"
FIRST = ["ana", "luc", "marie", "jean", "lea", "paul", "chloe", "hugo", "emma", "louis", "zoe", "noah"]
LAST = ["martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand", "leroy", "moreau",
        "simon", "laurent", "lefebvre", "michel", "garcia", "david", "bertrand", "roux", "vincent", "fournier",
        "morel", "girard", "andre", "mercier", "dupont", "lambert", "bonnet", "francois", "martinez", "legrand"]  # fmt: skip


def admin_connection() -> psycopg2.extensions.connection:
    db, admin = settings.DATABASES["default"], settings.DATABASE_ROLES["admin"]
    conn = psycopg2.connect(
        dbname=db["NAME"],
        user=admin["USER"],
        password=admin["PASSWORD"] or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    conn.autocommit = True
    return conn


def ensure_data() -> tuple[int, float]:
    """The bench brand with its customers, orders and consents; (brand id, seconds spent generating)."""
    from jewelcrm.accounts.models import Brand, Membership, User
    from jewelcrm.retail.models import Retailer, Store
    from jewelcrm.tenancy.context import brand_context

    brand, _ = Brand.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench Scale", "code_prefix": "BSC", "languages": ["en", "fr"]}
    )
    user, _ = User.objects.get_or_create(email="owner@bench-scale.test")
    with brand_context(brand):
        if not Membership.objects.filter(brand=brand, user=user).exists():
            Membership.objects.create(brand=brand, user=user, role="owner")
        if not Store.objects.filter(brand=brand).exists():
            retailer = Retailer.objects.create(brand=brand, name="Bench retail")
            for n in range(20):
                Store.objects.create(
                    brand=brand,
                    retailer=retailer,
                    code=f"ST-{n:02}",
                    name=f"Store {n:02}",
                    type="boutique",
                    currency="EUR",
                    country="FR",
                    city="Paris",
                )
    started = time.monotonic()
    conn = admin_connection()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM customers_customer WHERE brand_id = %s", [brand.pk])
        have = cur.fetchone()[0]
        if have < CUSTOMERS:
            print(f"generating {CUSTOMERS - have} customers, their orders and consents...", flush=True)
            cur.execute("SELECT min(id), count(*) FROM retail_store WHERE brand_id = %s", [brand.pk])
            first_store, stores = cur.fetchone()
            cur.execute(
                """
                INSERT INTO customers_customer (brand_id, external_id, title, first_name, last_name, email, phone,
                    gender, family_situation, address, city, postal_code, country, language, preferred_channel,
                    tags, notes, home_store_id, field_sources, is_pseudonymised, created_at, updated_at)
                SELECT %(brand)s, 'B' || g, '', initcap((%(first)s::text[])[1 + g %% %(nf)s]),
                    initcap((%(last)s::text[])[1 + (g / %(nf)s) %% %(nl)s]) || '-' || (g %% 997),
                    'c' || g || '@example.test', '+4179' || lpad(g::text, 7, '0'),
                    (ARRAY['female', 'male', ''])[1 + g %% 3], (ARRAY['married', 'single', ''])[1 + g %% 3],
                    g || ' rue de la Paix', 'Paris', '75002', (ARRAY['FR', 'CH', 'DE', 'IT', 'GB'])[1 + g %% 5],
                    (ARRAY['fr', 'en'])[1 + g %% 2], 'email', '[]'::jsonb, '', %(store)s + g %% %(stores)s,
                    '{"email": "erp"}'::jsonb, false, now() - (g %% 1500) * interval '1 day', now()
                FROM generate_series(%(start)s, %(end)s) g
                """,
                {
                    "brand": brand.pk, "first": FIRST, "last": LAST, "nf": len(FIRST), "nl": len(LAST),
                    "store": first_store, "stores": stores, "start": have + 1, "end": CUSTOMERS,
                },
            )  # fmt: skip
            cur.execute(
                """
                INSERT INTO customers_order (brand_id, source, external_id, customer_id, store_id, channel,
                    ordered_at, paid_at, status, currency, total, refunded_amount, total_brand_currency, email,
                    created_at)
                SELECT c.brand_id, 'erp', c.external_id || '-' || n, c.id, c.home_store_id, 'store',
                    c.created_at + n * interval '90 days', NULL, 'paid', 'EUR', 500 + (c.id %% 50) * 100, 0,
                    500 + (c.id %% 50) * 100, '', now()
                FROM customers_customer c CROSS JOIN generate_series(1, %(orders)s) n
                WHERE c.brand_id = %(brand)s AND NOT EXISTS (
                    SELECT 1 FROM customers_order o WHERE o.brand_id = c.brand_id AND o.customer_id = c.id)
                """,
                {"brand": brand.pk, "orders": ORDERS_PER_CUSTOMER},
            )
            cur.execute(
                """
                INSERT INTO customers_consent (brand_id, customer_id, channel, purpose, is_granted, is_confirmed,
                    at, source, wording_version)
                SELECT c.brand_id, c.id, 'email', 'marketing', true, true, c.created_at, 'store', 'v1'
                FROM customers_customer c
                WHERE c.brand_id = %(brand)s AND c.id %% 2 = 0 AND NOT EXISTS (
                    SELECT 1 FROM customers_consent k WHERE k.brand_id = c.brand_id AND k.customer_id = c.id)
                """,
                {"brand": brand.pk},
            )
            for table in ("customers_customer", "customers_order", "customers_consent"):
                cur.execute(f"VACUUM ANALYZE {table}")
    conn.close()
    return brand.pk, time.monotonic() - started


def measure(client: Client, url: str, *, before: object = None, repeat: int = 0) -> dict[str, object]:
    times, counts = [], set()
    for _ in range(repeat or REPEAT):
        if before:
            before()  # type: ignore[operator]
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (url, response.status_code)
        times.append(elapsed)
        counts.add(len(queries))
    return {
        "median": statistics.median(times),
        "worst": max(times),
        "queries": sorted(counts),
        "response": response,
    }


def main() -> None:
    from customers.models import Customer, Order
    from jewelcrm.accounts.models import Brand, User
    from jewelcrm.tenancy.context import brand_context

    brand_id, generated = ensure_data()
    brand = Brand.objects.get(pk=brand_id)
    with brand_context(brand):
        customers = Customer.objects.filter(brand=brand).count()
        orders = Order.objects.filter(brand=brand).count()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email="owner@bench-scale.test"))
    b = {"brand_slug": SLUG}
    home, listing = reverse("accounts:dashboard", kwargs=b), reverse("customer360:list", kwargs=b)

    client.get(listing)  # warms the filter choices
    first = measure(client, listing)
    found = re.search(r'href="\?after=([^"&]+)" rel="next"', first["response"].content.decode())
    assert found, "the first page links to the next one"
    cursor = html.unescape(found.group(1))
    rows = [
        (
            "Dashboard home, figures absent (counted)",
            measure(client, home, before=lambda: _forget_home(brand)),
        ),
        ("Dashboard home, figures kept (10 min)", measure(client, home)),
        ("Customer list, first page", first),
        ("Customer list, a following page (keyset)", measure(client, f"{listing}?after={cursor}")),
        ("Customer list sorted by country, descending", measure(client, f"{listing}?sort=-country")),
        ('Search by name ("martin")', measure(client, f"{listing}?q=martin", repeat=SEARCH_REPEAT)),
        (
            'Search by two name words ("lea dubois")',
            measure(client, f"{listing}?q=lea+dubois", repeat=SEARCH_REPEAT),
        ),
        ('Search by e-mail ("c123456@")', measure(client, f"{listing}?q=c123456%40", repeat=SEARCH_REPEAT)),
        ('Search by phone ("0791234567")', measure(client, f"{listing}?q=0791234567", repeat=SEARCH_REPEAT)),
    ]
    made = f"generated in {generated:.0f} s" if generated > 5 else "generated by an earlier run"
    lines = [
        f"{customers:,} customers and {orders:,} orders in one brand ({made}); "
        f"each page rendered {REPEAT} times ({SEARCH_REPEAT} for searches) in-process as the brand's owner (server time: middleware, view, "
        f"template and queries). Target: under {TARGET_MS} ms with a fixed number of SQL statements.",
        "",
        "| page | median ms | worst ms | SQL statements | under target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, result in rows:
        ok = "yes" if result["median"] < TARGET_MS else "**no**"
        queries = ", ".join(str(q) for q in result["queries"])
        lines.append(f"| {name} | {result['median']:.0f} | {result['worst']:.0f} | {queries} | {ok} |")
        print(
            f"{name}: median {result['median']:.0f} ms, worst {result['worst']:.0f} ms, {queries} statements"
        )
    write_section("scale", "A million customers: dashboard home, customer list, search", "\n".join(lines))


def _forget_home(brand: object) -> None:
    from jewelcrm.accounts.home import _figure_key, _tiles
    from jewelcrm.accounts.models import Membership
    from jewelcrm.tenancy.context import brand_context

    with brand_context(brand):
        membership = Membership.objects.filter(brand=brand, role="owner").first()
    cache.delete_many([_figure_key(t, brand, membership) for t in _tiles() if t.cache_seconds])


if __name__ == "__main__":
    main()
