"""Rebuild a brand's insights tables: one set-based statement over the facts other apps report."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from customers import selectors as customer_selectors
from jewelcrm.accounts.models import Brand
from segmentation.insights.models import InsightsRefresh, StoreProductWeek
from warranties import selectors as warranty_selectors
from warranties.inventory import selectors as inventory_selectors

_REBUILD = """
WITH receipts AS ({receipts}),
registrations AS ({registrations}),
till_sales AS ({till_sales}),
sold AS (
    -- A piece sold by the till and registered too counts once, in the week of its first record.
    SELECT DISTINCT ON (store_id, serial) store_id, product_id, day
    FROM (
        SELECT store_id, product_id, day, serial FROM registrations
        UNION ALL
        SELECT store_id, product_id, day, serial FROM till_sales
    ) records
    ORDER BY store_id, serial, day
),
facts AS (
    SELECT store_id, product_id, day, 1 AS received, 0 AS sold, 0 AS registered, 0 AS grey FROM receipts
    UNION ALL
    SELECT store_id, product_id, day, 0, 1, 0, 0 FROM sold
    UNION ALL
    SELECT store_id, product_id, day, 0, 0, 1, CASE WHEN is_grey_market THEN 1 ELSE 0 END FROM registrations
)
INSERT INTO {table} (brand_id, store_id, product_id, week, received, sold, registered, grey_market)
SELECT %s, store_id, product_id, date_trunc('week', day)::date,
       sum(received), sum(sold), sum(registered), sum(grey)
FROM facts
WHERE store_id IS NOT NULL AND product_id IS NOT NULL
GROUP BY store_id, product_id, date_trunc('week', day)::date
"""


@transaction.atomic
def insights_refresh(*, brand: Brand) -> InsightsRefresh:
    """Replace the brand's weekly store × product figures in one transaction (readers never see half)."""
    parts = {
        "receipts": inventory_selectors.receipt_facts(brand=brand),
        "registrations": warranty_selectors.sale_registration_facts(brand=brand),
        "till_sales": customer_selectors.serialised_sale_facts(brand=brand),
    }
    sql_parts: dict[str, str] = {}
    params: list = []
    for name, queryset in parts.items():
        sql, part_params = queryset.query.sql_with_params()
        sql_parts[name] = sql
        params.extend(part_params)
    statement = _REBUILD.format(table=StoreProductWeek._meta.db_table, **sql_parts)
    StoreProductWeek.objects.filter(brand=brand).delete()
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, brand.pk])
        rows = cursor.rowcount
    return InsightsRefresh.objects.create(brand=brand, finished_at=timezone.now(), rows=rows)
