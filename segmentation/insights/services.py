"""Rebuild a brand's insights tables: one set-based statement over the facts other apps report."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from customers import selectors as customer_selectors
from jewelcrm.accounts.models import Brand
from segmentation.insights.models import (
    AgedPiece,
    InsightsRefresh,
    InsightsSettings,
    SalesWeek,
    StoreProductWeek,
    StoreStockAge,
)
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

_SALES = """
INSERT INTO {table} (brand_id, week, store_id, product_id, channel, country, units, revenue)
SELECT %s, date_trunc('week', day)::date, store_id, product_id, channel, country,
       sum(units), coalesce(sum(revenue), 0)
FROM ({lines}) lines
GROUP BY date_trunc('week', day)::date, store_id, product_id, channel, country
"""

_STOCK_AGE = """
INSERT INTO {table} (brand_id, store_id, in_stock, over_180, over_365)
SELECT %s, store_id, count(*),
       count(*) FILTER (WHERE in_store_since < now() - interval '180 days'),
       count(*) FILTER (WHERE in_store_since < now() - interval '365 days')
FROM ({stock}) stock
GROUP BY store_id
"""

_AGED = """
INSERT INTO {table} (brand_id, item_id, store_id, product_id, in_store_since)
SELECT %s, item_id, store_id, product_id, in_store_since
FROM ({stock}) stock
WHERE in_store_since < now() - interval '180 days'
"""


def _statement(template: str, table: str, **querysets: object) -> tuple[str, list]:
    sql_parts: dict[str, str] = {}
    params: list = []
    for name, queryset in querysets.items():
        sql, part_params = queryset.query.sql_with_params()  # type: ignore[attr-defined]
        sql_parts[name] = sql
        params.extend(part_params)
    return template.format(table=table, **sql_parts), params


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
    sales, sales_params = _statement(
        _SALES, SalesWeek._meta.db_table, lines=customer_selectors.sales_line_facts(brand=brand)
    )
    stock = inventory_selectors.stock_age_facts(brand=brand)
    ages, age_params = _statement(_STOCK_AGE, StoreStockAge._meta.db_table, stock=stock)
    aged, aged_params = _statement(_AGED, AgedPiece._meta.db_table, stock=stock)
    for model in (StoreProductWeek, SalesWeek, StoreStockAge, AgedPiece):
        model.objects.filter(brand=brand).delete()
    rows = 0
    with connection.cursor() as cursor:
        for sql, params in (
            (flows, [*flow_params, brand.pk]),
            (sales, [brand.pk, *sales_params]),
            (ages, [brand.pk, *age_params]),
            (aged, [brand.pk, *aged_params]),
        ):
            cursor.execute(sql, params)
            rows += cursor.rowcount
    return InsightsRefresh.objects.create(brand=brand, finished_at=timezone.now(), rows=rows)


@transaction.atomic
def insights_settings_update(
    *, brand: Brand, price_band_limits: list[int], actor: object = None
) -> InsightsSettings:
    """Set the brand's price bands: limits in increasing order, each above zero."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from jewelcrm.accounts.services import audit_log_record

    limits = list(price_band_limits)
    if not limits or any(limit <= 0 for limit in limits) or limits != sorted(set(limits)):
        raise ValidationError(
            {"price_band_limits": [_("Give increasing amounts above zero, e.g. 500, 1000, 2500.")]}
        )
    settings, _created = InsightsSettings.objects.update_or_create(
        brand=brand, defaults={"price_band_limits": limits}
    )
    audit_log_record(
        brand=brand, action="insights.price_bands", actor=actor, obj=settings, data={"limits": limits}
    )
    return settings
