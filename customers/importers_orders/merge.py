"""The set-based writes of the order import: COPY into staging tables, then one merge."""

from __future__ import annotations

import json
from typing import Any

from customers.importers_orders.columns import (
    LINE_COPY_COLUMNS,
    LINE_STAGING,
    ORDER_COMPARED,
    ORDER_COPY_COLUMNS,
    ORDER_STAGING,
)
from customers.models import Consent, Customer, Order, OrderLine, OrderSource
from jewelcrm.imports import staging


class OrderMerge:
    """The set-based writes of the order import: staging tables, then one merge into orders, lines,
    customers and consents. Mixed into OrderImporter, which fills the attributes below."""

    brand: Any
    source: str
    order_table: str
    line_table: str
    without_rate: int
    summary: dict[str, Any]

    def stage(self, rows: list[dict[str, Any]]) -> None:
        if not self.order_table:
            self.order_table, self.line_table = staging.staging_name("orders"), staging.staging_name("lines")
            staging.staging_create(self.order_table, ORDER_STAGING)
            staging.staging_create(self.line_table, LINE_STAGING)
        orders = "".join(r["order"] for r in rows if r["order"] is not None)
        staging.staging_copy_text(self.order_table, ORDER_COPY_COLUMNS, orders)
        staging.staging_copy_text(self.line_table, LINE_COPY_COLUMNS, "".join(r["line"] for r in rows))

    def merge(self) -> tuple[int, int, int]:
        if not self.order_table:
            return 0, 0, 0
        so, sl, b = self.order_table, self.line_table, self.brand.pk
        orders, lines = Order._meta.db_table, OrderLine._meta.db_table
        staging.sql(f"CREATE UNIQUE INDEX ON {so} (external_id)")
        staging.sql(f"CREATE INDEX ON {sl} (order_external_id)")
        staging.sql(f"ANALYZE {so}")
        staging.sql(f"ANALYZE {sl}")
        customers_created = self._customers_resolve()
        # Existing orders, then the changed ones.
        staging.sql(
            f"UPDATE {so} s SET order_id = o.id FROM {orders} o WHERE o.brand_id = %s AND o.source = %s "
            f"AND o.external_id = s.external_id",
            [b, self.source],
        )
        # One pass: flags, and ids from the sequence for the new orders (dependent lines need them).
        staging.sql(
            f"UPDATE {so} SET is_new = (order_id IS NULL), is_changed = false, "
            f"order_id = COALESCE(order_id, nextval(pg_get_serial_sequence('{orders}', 'id')))"
        )
        old = ", ".join(f"o.{c}" for c in ORDER_COMPARED)
        new = ", ".join(f"s.{c}" for c in ORDER_COMPARED)
        staging.sql(
            f"WITH changed AS (UPDATE {orders} o SET ({', '.join(ORDER_COMPARED)}) = ({new}) FROM {so} s "
            f"WHERE o.id = s.order_id AND o.brand_id = %s AND ({old}) IS DISTINCT FROM ({new}) RETURNING "
            "o.id) "
            f"UPDATE {so} s SET is_changed = true FROM changed WHERE changed.id = s.order_id",
            [b],
        )
        # Existing orders whose lines differ (compared as one signature text per order).
        staging.sql(
            f"WITH db AS (SELECT l.order_id, string_agg(concat_ws('|', l.sku, l.name, l.serial, l.quantity, "
            'l.unit_price, l.total), \'§\' ORDER BY l.sku COLLATE "C", l.name COLLATE "C", '
            'l.serial COLLATE "C", '
            "l.quantity, l.unit_price, l.total) AS sig "
            f"FROM {lines} l JOIN {so} s ON s.order_id = l.order_id WHERE l.brand_id = %s AND NOT s.is_new "
            "GROUP BY "
            "l.order_id), "
            f"diff AS (SELECT s.order_id FROM {so} s LEFT JOIN db ON db.order_id = s.order_id "
            f"WHERE NOT s.is_new AND NOT s.is_changed AND s.line_sig IS DISTINCT FROM db.sig) "
            f"UPDATE {so} s SET is_changed = true FROM diff WHERE diff.order_id = s.order_id",
            [b],
        )
        staging.sql(
            f"DELETE FROM {lines} l USING {so} s WHERE l.brand_id = %s AND l.order_id = s.order_id AND "
            "s.is_changed",
            [b],
        )
        # New orders (ids taken from the sequence above), inserted with ON CONFLICT on the partial index.
        provided = ["id", "brand_id", "source", "external_id", "channel", "created_at", *ORDER_COMPARED]
        extra_cols, extra_params = staging.model_defaults(Order, provided)
        extra_sql = "".join(", %s" for _c in extra_cols)
        staging.sql(
            f"INSERT INTO {orders} ({', '.join([*provided, *extra_cols])}) "
            f"SELECT s.order_id, %s, %s, s.external_id, %s, now(), {new}{extra_sql} FROM {so} s WHERE "
            "s.is_new "
            "ORDER BY s.rowno ON CONFLICT (brand_id, source, external_id) WHERE external_id <> '' DO "
            "NOTHING",
            [b, self.source, "online" if self.source == OrderSource.ESHOP else "store", *extra_params],
        )
        line_cols = [
            "brand_id",
            "order_id",
            "product_id",
            "sku",
            "name",
            "serial",
            "quantity",
            "unit_price",
            "total",
        ]
        staging.sql(
            f"INSERT INTO {lines} ({', '.join(line_cols)}) SELECT %s, s.order_id, l.product_id, l.sku, "
            "l.name, "
            f"l.serial, l.quantity, l.unit_price, l.total FROM {sl} l JOIN {so} s ON s.external_id = "
            "l.order_external_id "
            f"WHERE s.is_new OR s.is_changed ORDER BY l.rowno",
            [b],
        )
        counts = staging.sql_rows(
            f"SELECT coalesce(sum(line_rows) FILTER (WHERE is_new), 0), "
            f"coalesce(sum(line_rows) FILTER (WHERE is_changed), 0), "
            f"coalesce(sum(line_rows) FILTER (WHERE NOT is_new AND NOT is_changed), 0), "
            f"count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE is_changed), "
            f"count(*) FILTER (WHERE NOT is_new AND NOT is_changed) FROM {so}"
        )[0]
        self.summary = {
            "orders_created": counts[3],
            "orders_updated": counts[4],
            "orders_unchanged": counts[5],
            "customers_created": customers_created,
            "orders_without_exchange_rate": self.without_rate,
        }
        return int(counts[0]), int(counts[1]), int(counts[2])

    def _customers_resolve(self) -> int:
        """Match each order's e-mail to a profile, creating the missing ones; returns profiles created."""
        so, b = self.order_table, self.brand.pk
        customers = Customer._meta.db_table
        staging.sql(
            f"UPDATE {so} s SET customer_id = m.id FROM (SELECT DISTINCT ON (email) email, id FROM "
            f"{customers} "
            f"WHERE brand_id = %s AND email <> '' AND merged_into_id IS NULL AND NOT is_pseudonymised "
            f"ORDER BY email, id) m WHERE s.email <> '' AND m.email = s.email",
            [b],
        )
        nc = staging.staging_name("new_customers")
        staging.sql(
            f"CREATE TEMPORARY TABLE {nc} ON COMMIT DROP AS SELECT DISTINCT ON (email) email, first_name, "
            "last_name, "
            "city, postal_code, country, accepts_marketing, ordered_at::date AS since, 0::bigint AS id "
            f"FROM {so} "
            f"WHERE customer_id IS NULL AND email <> '' ORDER BY email, ordered_at, rowno"
        )
        staging.sql(f"UPDATE {nc} SET id = nextval(pg_get_serial_sequence('{customers}', 'id'))")
        sources = json.dumps(
            {f: "eshop" for f in ("first_name", "last_name", "email", "city", "postal_code", "country")}
        )
        provided = [
            "id",
            "brand_id",
            "email",
            "first_name",
            "last_name",
            "city",
            "postal_code",
            "country",
            "customer_since",
            "field_sources",
            "created_at",
            "updated_at",
        ]
        extra_cols, extra_params = staging.model_defaults(Customer, provided)
        extra_sql = "".join(", %s" for _c in extra_cols)
        created = staging.sql(
            f"INSERT INTO {customers} ({', '.join([*provided, *extra_cols])}) SELECT id, %s, email, "
            "first_name, "
            f"last_name, city, postal_code, country, since, %s::jsonb, now(), now(){extra_sql} FROM {nc} "
            "ORDER BY email",
            [b, sources, *extra_params],
        )
        staging.sql(
            f"UPDATE {so} s SET customer_id = n.id FROM {nc} n WHERE s.customer_id IS NULL AND s.email = "
            "n.email"
        )
        consent_provided = [
            "brand_id",
            "customer_id",
            "channel",
            "purpose",
            "is_granted",
            "is_confirmed",
            "at",
            "source",
            "wording_version",
        ]
        c_cols, c_params = staging.model_defaults(Consent, consent_provided)
        c_sql = "".join(", %s" for _c in c_cols)
        staging.sql(
            f"INSERT INTO {Consent._meta.db_table} ({', '.join([*consent_provided, *c_cols])}) SELECT %s, "
            "id, 'email', "
            f"'marketing', true, false, now(), 'import', %s{c_sql} FROM {nc} WHERE accepts_marketing",
            [b, "eshop:accepts_marketing", *c_params],
        )
        return created
