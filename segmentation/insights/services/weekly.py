"""The weekly sales and the product mix, rewritten only for the weeks whose figures changed.

`SalesWeek` holds about one row per order line (a store sells a few pieces of each product a week), and
`MixWeek` groups it by every dimension: rewriting both whole every night wrote tens of millions of rows for
a brand with ten million order lines, nearly all of them unchanged. The rebuild now groups the order lines
as before, compares each week's rows with the stored ones (their count and a sum of per-row hashes), and
deletes and writes again only the weeks that differ: the new week, and any week where an order was added,
refunded or cancelled, or where a store's or customer's country changed. The product mix of those weeks is
grouped again; the whole mix is when a product's collection, category, metal or price changed, or the
brand's price bands did. The figures are the same as a full rebuild's (a test compares them).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from customers import selectors as customer_selectors
from jewelcrm.accounts.models import Brand
from jewelcrm.catalog import selectors as catalog_selectors
from jewelcrm.tenancy.distribution import execute_insert_select
from segmentation.insights.models import InsightsRefresh, MixWeek, SalesWeek
from segmentation.insights.services.statements import _MIX, _SALES, _SALES_CHANGED_WEEKS


def _run(cursor: Any, sql: str, params: list) -> int:
    # On Citus, without the COPY it would make into the shards (refused under row-level security).
    written = execute_insert_select(cursor, sql, params)
    if written is None:
        cursor.execute(sql, params)
        written = cursor.rowcount
    return written


def _statement(template: str, table: str, **querysets: object) -> tuple[str, list]:
    sql_parts: dict[str, str] = {}
    params: list = []
    for name, queryset in querysets.items():
        sql, part_params = queryset.query.sql_with_params()  # type: ignore[attr-defined]
        sql_parts[name] = sql
        params.extend(part_params)
    return template.format(table=table, **sql_parts), params


def _sql(template: str, table: str, **querysets: Any) -> tuple[str, list]:
    return _statement(template, table, **querysets)


def products_print(brand: Brand) -> str:
    """A fingerprint of what the product mix groups the products by (collection, category, metal, price)."""
    rows = (
        catalog_selectors.product_list(brand=brand)
        .order_by("pk")
        .values_list("pk", "collection", "category", "metal", "price")
    )
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()[:40]


def mix_statement(brand: Brand, weeks: list[date] | None = None) -> tuple[str, list]:
    sales = SalesWeek.objects.filter(brand=brand)
    if weeks is not None:
        sales = sales.filter(week__in=weeks)
    columns = ("week", "store_id", "channel", "country", "product_id", "units", "revenue")
    return _sql(
        _MIX,
        MixWeek._meta.db_table,
        sales=sales.order_by().values(*columns),
        products=catalog_selectors.product_list(brand=brand)
        .order_by()
        .values("id", "collection", "category", "metal", "price"),
    )


def changed_weeks(cursor: Any, brand: Brand) -> list[date]:
    """The weeks whose grouped order lines differ from the stored `SalesWeek` rows (or are not stored)."""
    sql, params = _sql(
        _SALES_CHANGED_WEEKS, SalesWeek._meta.db_table, lines=customer_selectors.sales_line_facts(brand=brand)
    )
    cursor.execute(sql, [*params, brand.pk])
    return [row[0] for row in cursor.fetchall()]


def sales_refresh(cursor: Any, brand: Brand, weeks: list[date] | None) -> int:
    """Write the weekly sales of `weeks` again (all of them with None)."""
    lines = customer_selectors.sales_line_facts(brand=brand)
    stale = SalesWeek.objects.filter(brand=brand)
    if weeks is not None:
        if not weeks:
            return 0
        stale = stale.filter(week__in=weeks)
        # Only the orders of those weeks (a day's margin for the brand's time zone) are read.
        zone = ZoneInfo(brand.time_zone)
        since = datetime.combine(min(weeks) - timedelta(days=1), time(0), tzinfo=zone)
        lines = lines.filter(order__ordered_at__gte=since)
    stale.delete()
    sql, params = _sql(_SALES, SalesWeek._meta.db_table, lines=lines)
    return _run(cursor, sql, [brand.pk, *params, weeks, weeks])


def mix_refresh(cursor: Any, brand: Brand, limits: list[int], weeks: list[date] | None) -> int:
    """Group the product mix of `weeks` again (all of them with None)."""
    stale = MixWeek.objects.filter(brand=brand)
    if weeks is not None:
        if not weeks:
            return 0
        stale = stale.filter(week__in=weeks)
    stale.delete()
    sql, params = mix_statement(brand, weeks)
    return _run(cursor, sql, [*params, limits, brand.pk])


def weekly_refresh(
    cursor: Any, brand: Brand, limits: list[int], timings: dict[str, float]
) -> tuple[int, str, int | None]:
    """The weekly sales and product mix brought up to date; returns the rows written, the products'
    fingerprint (recorded with the rebuild) and how many weeks were written again (None: all)."""
    import time as clock

    started = clock.perf_counter()
    latest = InsightsRefresh.objects.filter(brand=brand).order_by("-finished_at").first()
    stored = SalesWeek.objects.filter(brand=brand).exists()
    weeks = changed_weeks(cursor, brand) if stored else None
    timings["sales by week: weeks changed"] = round(clock.perf_counter() - started, 2)
    started = clock.perf_counter()
    rows = sales_refresh(cursor, brand, weeks)
    timings["sales by week"] = round(clock.perf_counter() - started, 2)
    started = clock.perf_counter()
    printed = products_print(brand)
    same_grouping = (
        latest is not None and latest.products_print == printed and list(latest.price_band_limits) == limits
    )
    sales_weeks = None if weeks is None else len(weeks)
    if not same_grouping or not MixWeek.objects.filter(brand=brand).exists():
        weeks = None
    rows += mix_refresh(cursor, brand, limits, weeks)
    timings["product mix by dimension"] = round(clock.perf_counter() - started, 2)
    return rows, printed, sales_weeks
