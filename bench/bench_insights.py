# ruff: noqa: E501 - the generating SQL reads best one clause a line
"""Benchmark: the insights at a brand's real size, under row-level security.

Generates, set-based in SQL (generate_series) in the project's own tables: 1,000,000 customers,
10,000,000 order lines (5,000,000 orders over three years, 200 stores in 12 countries, 2,000 products),
500,000 pieces received by the stores and 200,000 warranty registrations. Then measures:
- the nightly rebuild of the brand's insights tables (`insights_refresh`), wall time;
- every insights page (sell-through, product mix by each dimension, registration rate, stock ageing):
  server time (median and worst of 5 renders in this process, Django's test client) and query count.
Targets: pages < 300 ms with a fixed query count.

    .venv/bin/python bench/bench_insights.py          (or `bin/bench insights`)

BENCH_INSIGHTS_SCALE divides every size (e.g. 100 for a quick try); the generated brand is kept and
reused by the next run at the same scale.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.report import write_section  # noqa: E402
from jewelcrm.tenancy.context import brand_context  # noqa: E402
from jewelcrm.tenancy.roles import as_role, use_role  # noqa: E402

SCALE = int(os.environ.get("BENCH_INSIGHTS_SCALE", 1))
CUSTOMERS = 1_000_000 // SCALE
ORDERS = 5_000_000 // SCALE
STORES = max(200 // max(SCALE // 10, 1), 12)
PRODUCTS = max(2_000 // max(SCALE // 10, 1), 20)
ITEMS = 500_000 // SCALE
REGISTRATIONS = 200_000 // SCALE
# A new brand for the wide catalogue (the earlier `bench-insights-N` brands, where each store sold about
# 20 products, are kept in the database and no longer measured).
SLUG = f"bench-insights-wide-{SCALE}"
TARGET_MS = 300
# The few best sellers every store sells (1 in 40 of the catalogue).
HEAD = max(PRODUCTS // 40, 1)


def _store_sql(u: str) -> str:
    """The store's index (0 the biggest) from a uniform draw `u`: a few flagships take a large share of
    the orders (the biggest some 3 %, the smallest some 0.2 %)."""
    return f"floor({STORES} * power({u}, 1.5))::int"


def _product_sql(s: str, v: str) -> str:
    """The product's index sold (or received) by store `s` from a uniform draw `v`: the store carries a
    range of the catalogue, wider in the big stores (40 % of it in the biggest, 7.5 % in the smallest,
    i.e. 800 and 150 of 2,000 references); within it popularity is skewed (rank = breadth × v², the first
    ranks sell most). The first ranks are the brand's best sellers, the same in every store; the rest of
    a store's range is spread over the whole catalogue, differently in each store."""
    breadth = f"greatest(floor({PRODUCTS} * (0.075 + 0.325 * (1 - {s}::float / {STORES}))), 1)"
    rank = f"floor({breadth} * {v} * {v})::int"
    return (
        f"(CASE WHEN {rank} < {HEAD} THEN {rank} "
        f"ELSE {HEAD} + ({rank} * 7 + {s} * 131) % greatest({PRODUCTS} - {HEAD}, 1) END)"
    )


def _generate(brand) -> float:  # noqa: ANN001
    from customers.models import Customer, Order, OrderLine
    from jewelcrm.catalog.models import Product
    from jewelcrm.retail.models import Retailer, Store
    from warranties.inventory.models import Item, StockMovement
    from warranties.models import Registration

    t = {
        m: m._meta.db_table
        for m in (Customer, Order, OrderLine, Product, Retailer, Store, Item, StockMovement, Registration)
    }
    b = brand.pk
    statements = [
        f"""INSERT INTO {t[Retailer]} (brand_id, name, is_own, created_at) VALUES ({b}, 'Bench retail', true, now())""",
        f"""INSERT INTO {t[Store]} (brand_id, retailer_id, code, name, type, address, city, postal_code, country,
              currency, time_zone, market, is_active, created_at)
            SELECT {b}, (SELECT min(id) FROM {t[Retailer]} WHERE brand_id = {b}), 'S' || g, 'Store ' || g,
              'boutique', '', 'City ' || (g % 40), '', (ARRAY['FR','CH','DE','IT','ES','GB','US','JP','CN','AE','BE','NL'])[1 + g % 12],
              'EUR', 'Europe/Paris', '', true, now()
            FROM generate_series(1::bigint, {STORES}) g""",
        f"""INSERT INTO {t[Product]} (brand_id, reference, name_en, name_fr, collection, category, metal, stones, price,
              currency, warranty_months, service_interval_months, photo, photo_thumbnail, is_active, created_at, updated_at)
            SELECT {b}, 'P' || g, 'Product ' || g, 'Produit ' || g, 'Collection ' || (g % 15),
              (ARRAY['ring','necklace','pendant','bracelet','earrings','charm','watch'])[1 + g % 7],
              (ARRAY['Gold','White gold','Rose gold','Silver','Platinum','Steel'])[1 + g % 6], '',
              (200 + (g * 37) % 15000)::numeric, 'EUR', 24, 36, '', '', true, now(), now()
            FROM generate_series(1::bigint, {PRODUCTS}) g""",
        f"""INSERT INTO {t[Customer]} (brand_id, external_id, title, first_name, last_name, email, phone, gender,
              family_situation, address, city, postal_code, country, language, preferred_channel, tags, notes,
              field_sources, is_pseudonymised, created_at, updated_at)
            SELECT {b}, 'C' || g, '', 'First' || g, 'Last' || g, 'c' || g || '@bench.test', '', '', '', '', '', '',
              (ARRAY['FR','CH','DE','IT','ES','GB','US','JP'])[1 + g % 8], 'en', '', '[]', '', '{{}}', false, now(), now()
            FROM generate_series(1::bigint, {CUSTOMERS}) g""",
        "CREATE TEMP TABLE bench_ids AS SELECT "
        f"(SELECT min(id) FROM {t[Store]} WHERE brand_id = {b}) AS store0, "
        f"(SELECT min(id) FROM {t[Product]} WHERE brand_id = {b}) AS product0, "
        f"(SELECT min(id) FROM {t[Customer]} WHERE brand_id = {b}) AS customer0",
        f"""INSERT INTO {t[Order]} (brand_id, source, external_id, customer_id, store_id, channel, ordered_at, status,
              currency, total, refunded_amount, total_brand_currency, email, created_at)
            SELECT {b}, CASE WHEN g % 5 = 0 THEN 'eshop' ELSE 'erp' END, 'O' || g, ids.customer0 + (g * 7919) % {CUSTOMERS},
              CASE WHEN g % 5 = 0 THEN NULL ELSE ids.store0 + {_store_sql("random()")} END,
              CASE WHEN g % 5 = 0 THEN 'web' ELSE 'store' END,
              now() - make_interval(secs => ((g * 104729) % (3 * 365 * 86400))::double precision),
              CASE WHEN g % 50 = 0 THEN 'refunded' ELSE 'paid' END, 'EUR', 200 * (1 + (g * 37) % 50), 0,
              200 * (1 + (g * 37) % 50), '', now()
            FROM generate_series(1::bigint, {ORDERS}) g, bench_ids ids""",
        f"""INSERT INTO {t[OrderLine]} (brand_id, order_id, product_id, sku, name, serial, quantity, unit_price, total)
            SELECT {b}, x.id, ids.product0 + CASE WHEN x.s IS NULL THEN floor({PRODUCTS} * x.v * x.v)::int
                ELSE {_product_sql("x.s", "x.v")} END, '', '', '', 1, x.total / 2, x.total / 2
            FROM (SELECT o.id, o.total, o.store_id - ids.store0 AS s, random() AS v
                  FROM {t[Order]} o, bench_ids ids, generate_series(0, 1) k WHERE o.brand_id = {b}) x, bench_ids ids""",
        f"""INSERT INTO {t[Item]} (brand_id, product_id, serial, status, current_store_id, shipped_to_store_id,
              public_code, status_before_loss, created_at, updated_at)
            SELECT {b}, ids.product0 + {_product_sql("x.s", "x.v")}, 'SN' || x.g,
              CASE WHEN x.g <= {REGISTRATIONS} THEN 'sold' ELSE 'in_stock' END,
              ids.store0 + x.s, ids.store0 + x.s, 'BENCHW{SCALE}X' || x.g, '', now(), now()
            FROM (SELECT g, {_store_sql("random()")} AS s, random() AS v FROM generate_series(1::bigint, {ITEMS}) g) x,
              bench_ids ids""",
        f"""INSERT INTO {t[StockMovement]} (brand_id, item_id, kind, to_store_id, sent_at, received_at, note)
            SELECT {b}, i.id, 'shipment', i.current_store_id, now() - make_interval(days => (i.id % 700)::int),
              now() - make_interval(days => (i.id % 700)::int), ''
            FROM {t[Item]} i WHERE i.brand_id = {b}""",
        f"""INSERT INTO {t[Registration]} (brand_id, item_id, customer_id, store_id, sold_on, registered_at, price_paid,
              currency, is_gift, gift_recipient_name, gift_relation, gift_occasion, warranty_starts_on,
              warranty_ends_on, is_grey_market, grey_market_reason, idempotency_key, idempotency_fingerprint,
              is_current, kind)
            SELECT {b}, i.id, ids.customer0 + (i.id * 13) % {CUSTOMERS}, i.current_store_id,
              (now() - make_interval(days => (i.id % 600)::int))::date, now(), 1000, 'EUR', false, '', '', '',
              current_date, current_date + 730, i.id % 40 = 0, '', '', '', true, 'sale'
            FROM {t[Item]} i, bench_ids ids WHERE i.brand_id = {b} AND i.status = 'sold'""",
        "DROP TABLE bench_ids",
    ]
    started = time.perf_counter()
    # By the administrative login with the foreign-key triggers off (`session_replication_role = replica`):
    # the ids are consistent by construction, and checking some 30 million deferred references one by one
    # at the commit took longer than the rest of the generation on a loaded machine.
    with as_role("admin"), brand_context(brand), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT setseed(0.14)")  # the same data at every generation
        for statement in statements:
            cursor.execute(statement)
    # Fresh statistics, as autovacuum would gather them (only the tables' owner may ANALYZE them).
    with as_role("owner"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _a_days_orders(brand) -> int:  # noqa: ANN001
    """One day of the brand's orders (the generated ones spread over three years), two lines each, ordered
    in the last hours: what a night's rebuild finds new."""
    from customers.models import Order, OrderLine

    count = max(ORDERS // 1095, 1)
    tag = f"N{int(time.time())}-"
    with brand_context(brand), connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {Order._meta.db_table} WHERE brand_id = %s", [brand.pk])
        last = cursor.fetchone()[0]
        cursor.execute(
            f"""INSERT INTO {Order._meta.db_table} (brand_id, source, external_id, customer_id, store_id, channel,
                  ordered_at, status, currency, total, refunded_amount, total_brand_currency, email, created_at)
                SELECT %s, 'erp', %s || g, (SELECT min(id) FROM customers_customer WHERE brand_id = %s) + (g * 7919) %% %s,
                  (SELECT min(id) FROM retail_store WHERE brand_id = %s) + g %% %s, 'store',
                  now() - make_interval(secs => (g %% 36000)::double precision), 'paid', 'EUR', 800, 0, 800, '', now()
                FROM generate_series(1, %s) g""",
            [brand.pk, tag, brand.pk, CUSTOMERS, brand.pk, STORES, count],
        )
        cursor.execute(
            f"""INSERT INTO {OrderLine._meta.db_table} (brand_id, order_id, product_id, sku, name, serial, quantity,
                  unit_price, total)
                SELECT %s, o.id, (SELECT min(id) FROM catalog_product WHERE brand_id = %s) + (o.id * 31 + k) %% %s,
                  '', '', '', 1, 400, 400
                FROM {Order._meta.db_table} o, generate_series(0, 1) k
                WHERE o.brand_id = %s AND o.id > %s""",
            [brand.pk, brand.pk, PRODUCTS, brand.pk, last],
        )
    return count


def _publish_scores(brand) -> float | None:  # noqa: ANN001
    """A brand's nightly segmentation run, published, as every brand has one: the nightly pipeline itself
    (rollup, models, write-back), run once per generated brand. Returns its time, None when kept."""
    from segmentation import pipeline, services
    from segmentation.selectors import published_run

    with brand_context(brand):
        if published_run(brand=brand) is not None:
            return None
        run = services.run_request(brand=brand)
    started = time.perf_counter()
    finished = pipeline.run_execute(brand=brand, run_id=run.pk)
    took = time.perf_counter() - started
    print(f"segmentation run: {finished.status if finished else '?'} in {took:.0f} s")
    if finished is None or not finished.is_published:
        raise SystemExit(f"the segmentation run did not publish: {finished and finished.error}")
    return took


def main() -> None:
    from jewelcrm.accounts.models import Brand, Membership, User
    from segmentation.insights.services import insights_refresh

    use_role("app")
    brand, created = Brand.objects.get_or_create(
        slug=SLUG, defaults={"name": f"Bench insights 1/{SCALE}", "code_prefix": f"W{SCALE % 100:02d}"}
    )
    generated = None
    with brand_context(brand):
        from customers.models import Customer

        has_data = Customer.objects.filter(brand=brand).exists()
    if not has_data:
        generated = _generate(brand)
        print(f"generated in {generated:.0f} s")
    published_in = _publish_scores(brand)
    if os.environ.get("BENCH_INSIGHTS_GENERATE_ONLY"):
        return
    from segmentation.insights.models import MixWeek, SalesWeek

    with brand_context(brand):
        # The first night (or a night after the products' grouping changed): every week written.
        SalesWeek.objects.filter(brand=brand).delete()
        MixWeek.objects.filter(brand=brand).delete()
    started = time.perf_counter()
    with brand_context(brand):
        refresh = insights_refresh(brand=brand)
    rebuild = time.perf_counter() - started
    print(f"rebuild: {rebuild:.1f} s, {refresh.rows} rows, weeks written again: {refresh.weeks_rewritten}")
    timings = getattr(refresh, "timings", {})
    for name, seconds in timings.items():
        print(f"  {name}: {seconds:.1f} s")
    # A typical night: the day's new orders arrived since the last rebuild.
    added = _a_days_orders(brand)
    started = time.perf_counter()
    with brand_context(brand):
        night = insights_refresh(brand=brand)
    nightly = time.perf_counter() - started
    print(f"a night with {added:,} new orders: {nightly:.1f} s, weeks written again: {night.weeks_rewritten}")
    for name, seconds in night.timings.items():
        print(f"  {name}: {seconds:.1f} s")

    user, _ = User.objects.get_or_create(email=f"bench-{SLUG}@bench.test")
    with brand_context(brand):
        Membership.objects.get_or_create(brand=brand, user=user, defaults={"role": "owner"})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pages = [
        ("overview", f"/b/{SLUG}/insights/overview/"),
        ("overview, one country and channel", f"/b/{SLUG}/insights/overview/?country=FR&channel=store"),
        ("customers", f"/b/{SLUG}/insights/customers/"),
        ("services", f"/b/{SLUG}/insights/services/"),
        ("sell-through", f"/b/{SLUG}/insights/sell-through/"),
        ("network", f"/b/{SLUG}/insights/network/"),
        ("stock", f"/b/{SLUG}/insights/stock/"),
    ]
    pages += [
        (f"product mix by {d}", f"/b/{SLUG}/insights/product-mix/?by={d}")
        for d in ("collection", "category", "metal", "price_band", "country", "store", "channel")
    ]
    from jewelcrm.retail.models import Store

    with brand_context(brand):
        first_store = Store.objects.filter(brand=brand).order_by("pk").values_list("pk", flat=True).first()
    pages += [
        ("sell-through, one country", f"/b/{SLUG}/insights/sell-through/?country=FR"),
        (
            "product mix by collection, one country",
            f"/b/{SLUG}/insights/product-mix/?by=collection&country=FR",
        ),
        (
            "product mix by collection, one store",
            f"/b/{SLUG}/insights/product-mix/?by=collection&store={first_store}",
        ),
        ("overview, one store", f"/b/{SLUG}/insights/overview/?store={first_store}"),
    ]
    load = os.getloadavg()[0]
    print(f"load average: {load:.1f}")
    rows = []
    for name, url in pages:
        client.get(url)  # warm
        times, queries = [], set()
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries.add(len(captured))
        rows.append((name, statistics.median(times), max(times), sorted(queries)))
        print(
            f"{name}: median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms, queries {sorted(queries)}"
        )

    from django.core.cache import cache

    from segmentation.selectors import published_run

    with brand_context(brand):
        run = published_run(brand=brand)
    has_scores = run is not None
    cold = None
    if run is not None:
        # The whole cache lost (a Redis restart): the page reads the aggregates kept on the run.
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(f"/b/{SLUG}/insights/customers/")
            cold = ((time.perf_counter() - t0) * 1000, len(captured))
        assert response.status_code == 200
        assert 'data-testid="rfm-grid"' in response.content.decode(), "the customers page shows no scores"
        print(f"customers, scores not cached: {cold[0]:.0f} ms, {cold[1]} queries")
        rows.append(("customers, after the whole cache was lost", cold[0], cold[0], [cold[1]]))
    from segmentation.insights import models as insights_models

    table_names = (
        "StoreProductWeek",
        "StoreWeek",
        "SalesWeek",
        "MixWeek",
        "ProductSellThrough",
        "StoreStockAge",
        "AgedPiece",
        "OverviewMonth",
        "CohortQuarter",
        "SecondPurchaseGap",
        "ServiceMonth",
        "ClaimMonth",
        "ServiceDue",
    )
    with brand_context(brand), connection.cursor() as cursor:
        sizes = {
            name: getattr(insights_models, name).objects.filter(brand=brand).count() for name in table_names
        }
        sales_rows = sizes["SalesWeek"]
        # What each store sells of the catalogue over the three years (from the weekly sales).
        cursor.execute(
            "SELECT min(n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n), max(n) FROM "
            "(SELECT store_id, count(DISTINCT product_id) n FROM insights_salesweek "
            "WHERE brand_id = %s AND store_id IS NOT NULL GROUP BY store_id) s",
            [brand.pk],
        )
        breadth = cursor.fetchone()
    sizes_table = "\n".join(f"| {name} | {count:,} |" for name, count in sizes.items())
    steps = "\n".join(
        f"| {name} | {timings.get(name, 0):.1f} | {night.timings.get(name, 0):.1f} |"
        for name in dict.fromkeys([*timings, *night.timings])
    )

    def weeks_text(done) -> str:  # noqa: ANN001
        weeks = getattr(done, "weeks_rewritten", None)
        return "every week of sales written" if weeks is None else f"{weeks} week(s) of sales written again"

    table = "\n".join(
        f"| {name} | {median:.0f} ms | {worst:.0f} ms | {', '.join(map(str, q))} | "
        f"{'met' if worst < TARGET_MS and len(q) == 1 else 'not met'} |"
        for name, median, worst, q in rows
    )
    body = f"""Brand of {CUSTOMERS:,} customers, {ORDERS * 2:,} order lines ({ORDERS:,} orders over three years),
{STORES} stores, {PRODUCTS:,} products, {ITEMS:,} pieces received, {REGISTRATIONS:,} registrations; generated set-based
under row-level security{f" in {generated:.0f} s" if generated else " (kept from an earlier run)"}.
Each store sells from a wide part of the catalogue, as a real brand's boutiques do: the big stores take
more of the orders and carry more references (40 % of the catalogue in the biggest, 7.5 % in the
smallest), popularity within a store's range is skewed, the brand's best sellers sell everywhere; the
pieces received follow the same spread. Products sold per store over the three years: {breadth[0]} to
{breadth[2]} (median {breadth[1]}); the weekly sales hold {sales_rows:,} rows.

Rows of each insights table after the rebuild:

| table | rows |
|---|---:|
{sizes_table}

Load average of the machine at the start of the pages: {load:.1f} ({os.cpu_count()} cores, shared with other
work: with a load above the number of cores, these times are a multiple of what a quiet machine gives).
{f"Run at 1/{SCALE} of the target size (`BENCH_INSIGHTS_SCALE={SCALE}`); the full size was not measured." if SCALE > 1 else ""}
{"The brand has no published segmentation run: the customer page reads its cohorts and second purchases, not the scores." if not has_scores else ""}
{f"The brand's segmentation scores were published by the nightly pipeline itself (`segmentation.pipeline.run_execute`, {published_in:.0f} s at this size) before the pages were timed: the customers page shows the RFM grid, value deciles, churn bands and profile of its scored customers." if has_scores and published_in else ""}
{f"The brand's segmentation scores were published by the nightly pipeline itself (`segmentation.pipeline.run_execute`, {(run.finished_at - run.started_at).total_seconds():.0f} s at this size) when the data was generated (kept with it): the customers page shows the RFM grid, value deciles, churn bands and profile of its scored customers." if has_scores and not published_in and run.started_at and run.finished_at else ""}

Rebuild of the insights tables (`insights_refresh`, set-based statements in one transaction), first
from nothing, as a brand's first night ({weeks_text(refresh)}): **{rebuild:.1f} s** ({refresh.rows:,} rows); then a
typical night, after a day of new orders ({added:,} orders, {added * 2:,} lines; {weeks_text(night)}):
**{nightly:.1f} s** ({night.rows:,} rows). The weekly sales and the product mix are rewritten only for the
weeks whose grouped order lines changed (the whole mix when a product's grouping or the price bands changed);
every other table is rebuilt whole.

| statement | rebuild (s) | a night (s) |
|---|---:|---:|
{steps}

Pages (server time in this process, 5 renders after a warm-up; target < {TARGET_MS} ms with a fixed query count):

| page | median | worst | queries | target |
|---|---:|---:|---:|---|
{table}
"""
    write_section("insights", "Insights pages at a brand's real size", body)


if __name__ == "__main__":
    main()
