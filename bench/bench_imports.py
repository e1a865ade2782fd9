"""Benchmark: 1,000,000 customers and 3,000,000 e-shop order lines imported on PostgreSQL.

Generates its own synthetic files (the layouts of erp_customers.csv and eshop_orders.csv), then runs
`manage.py import_data` (the command-line code path) in this process, under the application role and
row-level security. Targets: customers <= 120 s, order lines <= 240 s, peak memory < 2 GiB
(ru_maxrss of this process and its children).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> \
        .venv/bin/python bench/bench_imports.py

BENCH_CUSTOMERS and BENCH_ORDER_LINES override the sizes (e.g. for a quick try).
"""

from __future__ import annotations

import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.report import write_section  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 1_000_000))
ORDER_LINES = int(os.environ.get("BENCH_ORDER_LINES", 3_000_000))
TARGET_CUSTOMERS_S, TARGET_ORDERS_S, TARGET_MEMORY_GIB = 120, 240, 2.0
STORES = ["PAR-VDM", "PAR-GL", "LYO-01", "GVA-01", "LON-01", "NYC-01"]
COUNTRIES = [
    ("France", "06 1{d} {a:02d} {b:02d} {c:02d}"),
    ("FR", "+33 6 1{d} {a:02d} {b:02d} {c:02d}"),
    ("Suisse", "079 {d}{a:02d} {b:02d} {c:02d}"),
    ("CH", "+41 79 {d}{a:02d} {b:02d} {c:02d}"),
]
FIRST = [
    "Ana",
    "Louis",
    "Camille",
    "Hugo",
    "Léa",
    "Noémie",
    "Jérôme",
    "Chloé",
    "Marco",
    "Aiko",
    "Omar",
    "Mei",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Müller",
    "Rossi",
    "Wang",
    "N'Diaye",
    "Van der Berg",
    "Garcia",
]


def peak_memory_gib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024 / 1024  # KiB on Linux


def customers_file(path: Path, n: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(
            "N° client;Civilité;Nom;Prénom;E-mail;Téléphone;Date de naissance;Pays;Langue;Opt-in e-mail;"
            "Opt-in SMS;Date de création;Magasin\r\n"
        )
        for i in range(n):
            country, phone = COUNTRIES[i % 4]
            phone = phone.format(d=i % 10, a=(i // 10) % 100, b=(i // 1000) % 100, c=(i // 100000) % 100)
            email = f"client{i}@example.com" if i % 1000 else f"client{i} at example.com"  # 0.1% invalid
            born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2004)}"
            out.write(
                f"B{i:08d};{'Mme' if i % 2 else 'M.'};{LAST[i % 10]};{FIRST[i % 12]};{email};{phone};{born};"
                f"{country};{'fr' if i % 3 else 'EN'};{'Oui' if i % 2 else 'Non'};{'' if i % 5 else 'O'};"
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(15, 25)};"
                f"{STORES[i % 6]}\r\n"
            )


def orders_file(path: Path, lines: int) -> int:
    rng = random.Random(2)
    skus = [f"BA-{1000 + i}" for i in range(40)]
    header = (
        "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Shipping,Taxes,Total,"
        "Discount Code,Discount Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem "
        "sku,"
        "Billing Name,Billing City,Billing Zip,Billing Country,Accepts Marketing,Cancelled at,Refunded "
        "Amount,Id\n"
    )
    statuses = ["paid"] * 17 + ["pending", "refunded", "partially_refunded", "voided"]
    written = orders = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        buffer = io.StringIO()
        while written < lines:
            orders += 1
            count = min(rng.choice((1, 1, 1, 2, 3)), lines - written)
            prices = [rng.randint(2, 300) * 100 for _ in range(count)]
            total = sum(prices)
            status = rng.choice(statuses)
            day = f"20{rng.randint(19, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            created = f"{day} 1{rng.randint(0, 9)}:00:00 +0100"
            paid = "" if status == "pending" else created
            currency = "EUR" if orders % 4 else rng.choice(("CHF", "GBP", "USD"))
            refunded = total if status == "refunded" else (prices[0] if status == "partially_refunded" else 0)
            email = f"client{rng.randint(0, 1_200_000)}@example.com"
            for j in range(count):
                sku = rng.choice(skus)
                if j == 0:
                    buffer.write(
                        f"#{orders},{email},{status},{paid},fulfilled,{currency},{total}.00,0.00,0.00,{total}.00,,0.00,"
                        f"{created},1,Bague {sku},{prices[j]}.00,{sku},Ana Martin,Paris,75008,FR,"
                        f"{'yes' if orders % 2 else 'no'},,{refunded}.00,{7_000_000_000 + orders}\n"
                    )
                else:
                    buffer.write(
                        f"#{orders},,,,,,,,,,,,{created},1,Bague {sku},{prices[j]}.00,{sku},,,,,,,,"
                        f"{7_000_000_000 + orders}\n"
                    )
            written += count
            if buffer.tell() > 4_000_000:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())
    return orders


PHASES: dict[str, float] = {}


def instrument() -> None:
    """Time the staging COPYs and each merge statement (reported per import)."""
    from jewelcrm.imports import staging

    original_sql, original_copy = staging.sql, staging.staging_copy

    def timed_sql(statement: str, params: object = ()) -> int:
        start = time.perf_counter()
        try:
            return original_sql(statement, params)  # type: ignore[arg-type]
        finally:
            key = " ".join(statement.split()[:3])[:40]
            PHASES[key] = PHASES.get(key, 0.0) + time.perf_counter() - start

    def timed_copy(*args: object) -> int:
        start = time.perf_counter()
        try:
            return original_copy(*args)  # type: ignore[arg-type]
        finally:
            PHASES["COPY into staging"] = PHASES.get("COPY into staging", 0.0) + time.perf_counter() - start

    original_copy_text = staging.staging_copy_text

    def timed_copy_text(*args: object) -> None:
        start = time.perf_counter()
        try:
            original_copy_text(*args)  # type: ignore[arg-type]
        finally:
            PHASES["COPY into staging"] = PHASES.get("COPY into staging", 0.0) + time.perf_counter() - start

    staging.sql, staging.staging_copy, staging.staging_copy_text = timed_sql, timed_copy, timed_copy_text


def phases_text() -> str:
    top = sorted(PHASES.items(), key=lambda kv: -kv[1])[:6]
    PHASES.clear()
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in top)


def run(kind: str, path: Path, slug: str) -> tuple[float, str]:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        call_command("import_data", kind, str(path), "--brand", slug, stdout=out, stderr=err)
    except SystemExit as exit_:
        if exit_.code:
            raise RuntimeError(f"import_data {kind} exited {exit_.code}: {err.getvalue()[:2000]}") from None
    return time.perf_counter() - start, out.getvalue().splitlines()[0] if out.getvalue() else err.getvalue()


def main() -> None:
    from jewelcrm.accounts.models import Brand
    from jewelcrm.catalog.models import Product
    from jewelcrm.retail.models import Retailer, Store
    from jewelcrm.tenancy.context import brand_context

    slug = f"bench-imports-{int(time.time())}"
    brand = Brand.objects.create(
        name="Bench imports",
        slug=slug,
        code_prefix=f"I{int(time.time()) % 1000:03d}",
        default_currency="EUR",
        languages=["fr", "en"],
    )
    with brand_context(brand):
        retailer = Retailer.objects.create(brand=brand, name="Maison", is_own=True)
        Store.objects.bulk_create(
            [
                Store(
                    brand=brand,
                    retailer=retailer,
                    code=c,
                    name=c,
                    type="boutique",
                    country="FR",
                    currency="EUR",
                )
                for c in STORES
            ]
        )
        Product.objects.bulk_create(
            [Product(brand=brand, reference=f"BA-{1000 + i}", name_en=f"Ring {i}") for i in range(40)]
        )
    with tempfile.TemporaryDirectory() as tmp:
        customers_csv, orders_csv = Path(tmp) / "customers.csv", Path(tmp) / "orders.csv"
        t = time.perf_counter()
        customers_file(customers_csv, CUSTOMERS)
        orders = orders_file(orders_csv, ORDER_LINES)
        generated = time.perf_counter() - t
        print(
            f"generated {CUSTOMERS} customers and {ORDER_LINES} order lines ({orders} orders) in "
            f"{generated:.0f} s"
        )
        instrument()
        customers_s, customers_report = run("customers", customers_csv, slug)
        customers_phases = phases_text()
        print(f"customers: {customers_s:.1f} s · {customers_report} · {customers_phases}", flush=True)
        orders_s, orders_report = run("orders", orders_csv, slug)
        orders_phases = phases_text()
        print(f"orders: {orders_s:.1f} s · {orders_report} · {orders_phases}", flush=True)
        again_s, again_report = run("customers", customers_csv, slug)
        print(f"customers again: {again_s:.1f} s · {again_report}", flush=True)
    memory = peak_memory_gib()
    ok = lambda good: "✅" if good else "❌"  # noqa: E731
    rows = [
        (
            "customers (new)",
            f"{CUSTOMERS:,}",
            f"{customers_s:.1f} s",
            f"≤ {TARGET_CUSTOMERS_S} s",
            ok(customers_s <= TARGET_CUSTOMERS_S),
        ),
        (
            f"order lines (new; {orders:,} orders, customers matched or created by e-mail)",
            f"{ORDER_LINES:,}",
            f"{orders_s:.1f} s",
            f"≤ {TARGET_ORDERS_S} s",
            ok(orders_s <= TARGET_ORDERS_S),
        ),
        ("customers again (same file: nothing changes)", f"{CUSTOMERS:,}", f"{again_s:.1f} s", "", ""),
        (
            "peak memory (ru_maxrss, process + children)",
            "",
            f"{memory:.2f} GiB",
            f"< {TARGET_MEMORY_GIB} GiB",
            ok(memory < TARGET_MEMORY_GIB),
        ),
    ]
    table = "\n".join("| " + " | ".join(row) + " |" for row in rows)
    body = f"""
Synthetic files generated by the benchmark (the layouts of `erp_customers.csv`: BOM, `;`, French headers,
national phone formats, 0.1% invalid e-mails; and of `eshop_orders.csv`: one row per line item, 1-3 lines
per order, mixed currencies and statuses), imported with `manage.py import_data` (COPY into a staging table,
then set-based merges) under the application role and row-level security.

| import | rows | time | target | |
|---|---:|---:|---:|---|
{table}

Reports: `{customers_report}` · `{orders_report}` · `{again_report}`

Where the time went (SQL statements and COPY, the rest is reading and validating in Python): customers:
{customers_phases}; orders: {orders_phases}. Load average of the machine at the end: {os.getloadavg()[0]:.1f}
(the benchmark shares the machine with whatever else runs).
"""
    write_section("imports", "Imports: 1M customers, 3M order lines", body)
    print(body)


if __name__ == "__main__":
    main()
