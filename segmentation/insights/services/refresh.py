"""Rebuild a brand's insights tables, each in one set-based statement, inside one transaction."""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from customers import selectors as customer_selectors
from jewelcrm.accounts.models import Brand
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.tenancy.distribution import execute_insert_select
from segmentation.insights.models import (
    AgedPiece,
    ClaimMonth,
    CohortQuarter,
    InsightsRefresh,
    MixWeek,
    OverviewMonth,
    ProductSellThrough,
    SecondPurchaseGap,
    ServiceDue,
    ServiceMonth,
    StoreProductWeek,
    StoreStockAge,
    StoreWeek,
)
from segmentation.insights.services.bands import price_band_limits_of
from segmentation.insights.services.statements import (
    _AGED,
    _CLAIMS,
    _COHORTS,
    _DUE,
    _OVERVIEW_ORDERS,
    _OVERVIEW_WARRANTIES,
    _REBUILD,
    _SECOND_PURCHASE,
    _SERVICES,
    _STOCK_AGE,
    _STORE_WEEK,
)
from segmentation.insights.services.weekly import _statement, mix_statement, weekly_refresh
from warranties import selectors as warranty_selectors
from warranties.inventory import selectors as inventory_selectors

# The rebuild groups and sorts millions of rows (a brand's order lines, its orders per customer and month):
# with the default 4 MB each hash and sort spills to disk in batches, slow on a disk shared with other work.
REFRESH_WORK_MEM = "256MB"


def _working_memory(cursor: object) -> None:
    cursor.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")  # type: ignore[attr-defined]


def _mix_statement(brand: Brand) -> tuple[str, list]:
    return mix_statement(brand)


@transaction.atomic
def insights_mix_refresh(*, brand: Brand) -> int:
    """Group the product mix again by the brand's current price bands (after an edit), from the weekly sales
    of the last rebuild; the last rebuild then records those bands."""
    limits = price_band_limits_of(brand)
    sql, params = _mix_statement(brand)
    MixWeek.objects.filter(brand=brand).delete()
    with connection.cursor() as cursor:
        _working_memory(cursor)
        written = execute_insert_select(cursor, sql, [*params, limits, brand.pk])
        if written is None:
            cursor.execute(sql, [*params, limits, brand.pk])
            written = cursor.rowcount
    latest = InsightsRefresh.objects.filter(brand=brand).order_by("-finished_at").first()
    if latest is not None:
        InsightsRefresh.objects.filter(brand=brand, pk=latest.pk).update(price_band_limits=limits)
    return written


def _sell_through_precompute(brand: Brand) -> tuple[object, int]:
    """Each product's sell-through, benchmark and under-performance over the default period of the whole
    network, from the weekly figures just rebuilt (one grouped query; the benchmark per category)."""
    from zoneinfo import ZoneInfo

    from segmentation.insights import selectors

    today = timezone.localdate(timezone=ZoneInfo(brand.time_zone))
    period = selectors.Period.around(None, None, today)
    # The whole network, then each country of the brand's stores (the page filtered to one country).
    codes = retail_selectors.store_list(brand=brand).order_by("country").values_list("country", flat=True)
    by_country = {
        country: selectors.sell_through_live(
            brand=brand,
            period=period,
            scope=selectors.Scope(country=country),
            weeks_in_a_row=selectors.PRECOMPUTED_WEEKS_IN_A_ROW,
        )
        for country in ["", *sorted({code for code in codes if code})]
    }
    ProductSellThrough.objects.filter(brand=brand).delete()
    ProductSellThrough.objects.bulk_create(
        [
            ProductSellThrough(
                brand=brand,
                country=country,
                period_start=period.start,
                period_end=period.end,
                product=row.product,
                received=row.received,
                sold=row.sold,
                rate=row.rate,
                benchmark=row.benchmark,
                weeks_under=row.weeks_under,
                is_candidate=row.is_candidate,
            )
            for country, rows in by_country.items()
            for row in rows
        ],
        batch_size=1000,
    )
    return period, sum(len(rows) for rows in by_country.values())


@transaction.atomic
def insights_refresh(*, brand: Brand) -> InsightsRefresh:
    """Replace the brand's weekly store × product figures in one transaction (readers never see half)."""
    flows, flow_params = _statement(
        _REBUILD,
        StoreProductWeek._meta.db_table,
        receipts=inventory_selectors.receipt_facts(brand=brand),
        registrations=warranty_selectors.sale_registration_facts(brand=brand),
        till_sales=customer_selectors.serialised_sale_facts(brand=brand),
    )
    store_weeks, store_week_params = _statement(
        _STORE_WEEK,
        StoreWeek._meta.db_table,
        weeks=StoreProductWeek.objects.filter(brand=brand)
        .order_by()
        .values("store_id", "week", "received", "sold", "registered", "grey_market"),
    )
    stock = inventory_selectors.stock_age_facts(brand=brand)
    ages, age_params = _statement(_STOCK_AGE, StoreStockAge._meta.db_table, stock=stock)
    aged, aged_params = _statement(_AGED, AgedPiece._meta.db_table, stock=stock)
    overview, overview_params = _statement(
        _OVERVIEW_ORDERS, OverviewMonth._meta.db_table, orders=customer_selectors.order_facts(brand=brand)
    )
    warranties, warranty_params = _statement(
        _OVERVIEW_WARRANTIES,
        OverviewMonth._meta.db_table,
        registrations=warranty_selectors.sale_registration_facts(brand=brand),
        till_sales=customer_selectors.serialised_sale_facts(brand=brand),
        stores=retail_selectors.store_list(brand=brand).order_by().values("id", "country"),
    )
    cohorts, cohort_params = _statement(
        _COHORTS, CohortQuarter._meta.db_table, orders=customer_selectors.order_facts(brand=brand)
    )
    gaps, gap_params = _statement(
        _SECOND_PURCHASE, SecondPurchaseGap._meta.db_table, orders=customer_selectors.order_facts(brand=brand)
    )
    services, service_params = _statement(
        _SERVICES,
        ServiceMonth._meta.db_table,
        interventions=warranty_selectors.intervention_facts(brand=brand),
    )
    claims, claim_params = _statement(
        _CLAIMS, ClaimMonth._meta.db_table, claims=warranty_selectors.claim_facts(brand=brand)
    )
    due, due_params = _statement(
        _DUE, ServiceDue._meta.db_table, due=warranty_selectors.service_due_facts(brand=brand)
    )
    limits = price_band_limits_of(brand)
    # The weekly sales and the product mix are rewritten only where they changed (services.weekly).
    for model in (
        ServiceMonth,
        ClaimMonth,
        ServiceDue,
        StoreProductWeek,
        StoreWeek,
        StoreStockAge,
        AgedPiece,
        OverviewMonth,
        CohortQuarter,
        SecondPurchaseGap,
    ):
        model.objects.filter(brand=brand).delete()
    rows = 0
    timings: dict[str, float] = {}
    with connection.cursor() as cursor:
        _working_memory(cursor)
        for name, sql, params in (
            ("store × product × week", flows, [*flow_params, brand.pk]),
            ("store × week", store_weeks, [brand.pk, *store_week_params]),
            ("stock age", ages, [brand.pk, *age_params]),
            ("aged pieces", aged, [brand.pk, *aged_params]),
            ("overview: orders and customers", overview, [*overview_params, brand.pk, brand.pk]),
            ("overview: registrations", warranties, [*warranty_params, brand.pk]),
            ("cohorts", cohorts, [*cohort_params, brand.pk]),
            ("second purchases", gaps, [*gap_params, brand.pk]),
            ("interventions", services, [*service_params, brand.pk]),
            ("claims", claims, [*claim_params, brand.pk]),
            ("pieces due for service", due, [*due_params, brand.pk]),
        ):
            started = time.perf_counter()
            # On Citus, without the COPY it would make into the shards (refused under row-level security).
            written = execute_insert_select(cursor, sql, params)
            if written is None:
                cursor.execute(sql, params)
                written = cursor.rowcount
            rows += written
            timings[name] = round(time.perf_counter() - started, 2)
            if name == "store × product × week":
                written, printed, weeks_rewritten = weekly_refresh(cursor, brand, limits, timings)
                rows += written
    started = time.perf_counter()
    period, written = _sell_through_precompute(brand)
    rows += written
    timings["sell-through and benchmarks"] = round(time.perf_counter() - started, 2)
    refresh = InsightsRefresh.objects.create(
        brand=brand,
        finished_at=timezone.now(),
        rows=rows,
        price_band_limits=limits,
        sell_through_start=period.start,
        sell_through_end=period.end,
        products_print=printed,
    )
    refresh.weeks_rewritten = weeks_rewritten  # type: ignore[attr-defined]  # None: every week
    refresh.timings = timings  # type: ignore[attr-defined]  # seconds per statement, for the benchmark
    return refresh
