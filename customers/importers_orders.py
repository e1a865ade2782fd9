"""Order import (hosted-shop exports such as eshop_orders.csv): one row per line item, the order's
fields on its first row only.

Rows are grouped by order number (consecutive rows); a problem on any row rejects the whole order.
Financial statuses: paid, pending (no payment date), partially_refunded, refunded, voided -> cancelled.
Each order's customer is found by e-mail or created (name, city and country from the billing
fields; "Accepts Marketing = yes" on a new profile records an e-mail consent from the import).
Amounts are converted to the brand's currency with customers.models.ExchangeRate (the rate of the
order date, else the closest earlier one), loaded by `exchange_rates_ensure()` from the reference
table shipped in jewelcrm/imports/data/exchange_rates.csv.

Set-based: orders and lines are COPied into two staging tables; existing orders are resolved by
(brand, source, external id), changed ones updated, new ones inserted with ON CONFLICT on the partial
unique index; the lines of an order are rewritten only when they differ.
"""

from __future__ import annotations

import bisect
import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Consent, Customer, ExchangeRate, Order, OrderLine, OrderSource, OrderStatus
from customers.normalise import email_normalise
from jewelcrm.imports import staging
from jewelcrm.imports.framework import BaseImporter, Field, Problem, RowRejected
from jewelcrm.imports.values import (
    fold,
    parse_bool,
    parse_country,
    parse_currency,
    parse_datetime,
    parse_decimal,
    parse_int,
)

RATES_CSV = Path(__file__).resolve().parent.parent / "jewelcrm" / "imports" / "data" / "exchange_rates.csv"

_STATUSES = {
    "paid": OrderStatus.PAID,
    "payee": OrderStatus.PAID,
    "paye": OrderStatus.PAID,
    "authorized": OrderStatus.PENDING,
    "pending": OrderStatus.PENDING,
    "en attente": OrderStatus.PENDING,
    "partially paid": OrderStatus.PENDING,
    "partially refunded": OrderStatus.PARTIALLY_REFUNDED,
    "partiellement remboursee": OrderStatus.PARTIALLY_REFUNDED,
    "refunded": OrderStatus.REFUNDED,
    "remboursee": OrderStatus.REFUNDED,
    "voided": OrderStatus.CANCELLED,
    "void": OrderStatus.CANCELLED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "annulee": OrderStatus.CANCELLED,
}

ORDER_STAGING = (
    ("rowno", "integer"),
    ("external_id", "text"),
    ("email", "text"),
    ("status", "text"),
    ("ordered_at", "timestamptz"),
    ("paid_at", "timestamptz"),
    ("currency", "text"),
    ("total", "numeric(14,2)"),
    ("refunded_amount", "numeric(14,2)"),
    ("total_brand_currency", "numeric(14,2)"),
    ("store_id", "bigint"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("city", "text"),
    ("postal_code", "text"),
    ("country", "text"),
    ("accepts_marketing", "boolean"),
    ("line_rows", "integer"),
    ("line_sig", "text"),
    ("customer_id", "bigint"),
    ("order_id", "bigint"),
    ("is_new", "boolean"),
    ("is_changed", "boolean"),
)
LINE_STAGING = (
    ("rowno", "integer"),
    ("order_external_id", "text"),
    ("product_id", "bigint"),
    ("sku", "text"),
    ("name", "text"),
    ("serial", "text"),
    ("quantity", "integer"),
    ("unit_price", "numeric(14,2)"),
    ("total", "numeric(14,2)"),
)
ORDER_COPY_COLUMNS = [c for c, _t in ORDER_STAGING][:19]  # up to line_sig; the rest is filled by the merge
LINE_COPY_COLUMNS = [c for c, _t in LINE_STAGING]
ORDER_COMPARED = (
    "customer_id",
    "status",
    "ordered_at",
    "paid_at",
    "currency",
    "total",
    "refunded_amount",
    "total_brand_currency",
    "email",
    "store_id",
)


def exchange_rates_ensure() -> int:
    """Load the shipped reference rates (EUR per unit, by date) into ExchangeRate; returns rows added."""
    existing = set(ExchangeRate.objects.values_list("currency", "date"))
    new = []
    with RATES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["currency"], date.fromisoformat(row["date"]))
            if key not in existing:
                new.append(
                    ExchangeRate(currency=key[0], date=key[1], rate_to_eur=Decimal(row["rate_to_eur"]))
                )
    ExchangeRate.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


class RateTable:
    """Rates by currency; `to_brand(amount, currency, day)` converts with the rate of that day or the
    closest earlier one (the earliest known for older days). None when a currency has no rate."""

    def __init__(self, brand_currency: str) -> None:
        self.brand_currency = brand_currency
        self.rates: dict[str, tuple[list[date], list[Decimal]]] = {}
        rows = ExchangeRate.objects.order_by("currency", "date").values_list(
            "currency", "date", "rate_to_eur"
        )
        for currency, day, rate in rows:
            days, values = self.rates.setdefault(currency, ([], []))
            days.append(day)
            values.append(rate)

    def rate(self, currency: str, day: date) -> Decimal | None:
        if currency == "EUR":
            return Decimal(1)
        found = self.rates.get(currency)
        if not found:
            return None
        days, values = found
        index = bisect.bisect_right(days, day) - 1
        return values[max(index, 0)]

    def to_brand(self, amount: Decimal | None, currency: str, day: date) -> Decimal | None:
        if amount is None:
            return None
        if currency == self.brand_currency:
            return amount
        source, target = self.rate(currency, day), self.rate(self.brand_currency, day)
        if source is None or target is None:
            return None
        return (amount * source / target).quantize(Decimal("0.01"))


class OrderImporter(BaseImporter):
    kind = "orders"
    parallel_clean = True
    needs_postgresql = True
    required_one_of = ("order_number", "external_id")
    source = OrderSource.ESHOP
    fields = (
        Field(
            "order_number",
            gettext_lazy("Order number"),
            aliases=("Name", "Order", "Order number", "N° commande", "Numéro de commande", "Commande"),
        ),
        Field("external_id", gettext_lazy("Order id"), aliases=("Id", "Order ID", "ID commande")),
        Field("email", gettext_lazy("E-mail"), aliases=("Email", "Customer email", "Courriel")),
        Field(
            "financial_status",
            gettext_lazy("Payment status"),
            aliases=("Financial Status", "Statut de paiement", "Statut", "Status"),
        ),
        Field("paid_at", gettext_lazy("Paid at"), aliases=("Payé le", "Date de paiement", "Payment date")),
        Field("currency", gettext_lazy("Currency"), aliases=("Devise",)),
        Field("total", gettext_lazy("Total"), aliases=("Total TTC", "Montant", "Amount")),
        Field(
            "created_at",
            gettext_lazy("Order date"),
            required=True,
            aliases=("Created at", "Date", "Date de commande", "Ordered at"),
        ),
        Field("cancelled_at", gettext_lazy("Cancelled at"), aliases=("Annulée le", "Date d'annulation")),
        Field(
            "refunded_amount",
            gettext_lazy("Refunded amount"),
            aliases=("Refunded Amount", "Montant remboursé"),
        ),
        Field(
            "line_quantity",
            gettext_lazy("Line quantity"),
            aliases=("Lineitem quantity", "Quantité", "Qty", "Quantity"),
        ),
        Field(
            "line_name",
            gettext_lazy("Line name"),
            aliases=("Lineitem name", "Article", "Libellé", "Product name"),
        ),
        Field(
            "line_price",
            gettext_lazy("Line unit price"),
            aliases=("Lineitem price", "Prix unitaire", "Unit price"),
        ),
        Field(
            "line_sku",
            gettext_lazy("Line reference"),
            aliases=("Lineitem sku", "SKU", "Référence", "Reference"),
        ),
        Field(
            "line_serial", gettext_lazy("Line serial"), aliases=("Serial", "N° de série", "Numéro de série")
        ),
        Field(
            "billing_name",
            gettext_lazy("Billing name"),
            aliases=("Billing Name", "Nom de facturation", "Nom"),
        ),
        Field("billing_city", gettext_lazy("Billing city"), aliases=("Billing City", "Ville")),
        Field("billing_zip", gettext_lazy("Billing postal code"), aliases=("Billing Zip", "Code postal")),
        Field("billing_country", gettext_lazy("Billing country"), aliases=("Billing Country", "Pays")),
        Field(
            "accepts_marketing",
            gettext_lazy("Accepts marketing"),
            aliases=("Accepts Marketing", "Opt-in e-mail", "Accepte le marketing"),
        ),
        Field("store_code", gettext_lazy("Store code"), aliases=("Store", "Magasin", "Location")),
    )

    def prepare(self) -> None:
        from jewelcrm.catalog.models import Product
        from jewelcrm.retail.models import Store

        exchange_rates_ensure()
        self.rates = RateTable(self.brand.default_currency)
        self.products = dict(Product.objects.filter(brand=self.brand).values_list("reference", "pk"))
        self.stores = {
            code.upper(): pk for code, pk in Store.objects.filter(brand=self.brand).values_list("code", "pk")
        }
        self.seen: dict[str, int] = {}
        self.rejected_group: int | None = None
        self.labels = {f.name: self.mapping.get(f.name) or str(f.label) for f in self.fields}
        self.order_table = ""
        self.line_table = ""
        self.without_rate = 0

    # ---- cleaning, one order (a group of consecutive rows) at a time ----
    def chunks(
        self, rows: Iterable[tuple[int, dict[str, str]]], size: int
    ) -> Iterator[list[tuple[int, dict[str, str]]]]:
        """Chunks of about `size` rows that never split an order (its rows follow each other)."""
        chunk: list[tuple[int, dict[str, str]]] = []
        key = None
        for number, raw in rows:
            row_key = raw.get("order_number") or raw.get("external_id") or ""
            if len(chunk) >= size and row_key != key:
                yield chunk
                chunk = []
            key = row_key
            chunk.append((number, raw))
        if chunk:
            yield chunk

    def clean_chunk(self, chunk: list[tuple[int, dict[str, str]]]) -> list[tuple[int, Any, list[Problem]]]:
        """Pure: may run in a worker process. The orders found twice in a file are caught by accept()."""
        out: list[tuple[int, Any, list[Problem]]] = []
        group: list[tuple[int, dict[str, str]]] = []
        key = None
        for number, raw in chunk:
            row_key = raw.get("order_number") or raw.get("external_id") or ""
            if group and row_key != key:
                out.extend(self._clean_group(group))
                group = []
            key = row_key
            group.append((number, raw))
        if group:
            out.extend(self._clean_group(group))
        return out

    def accept(self, clean: dict[str, Any], row: int) -> dict[str, Any]:
        """In file order, in this process: an order number met again in a later group is rejected whole."""
        order = clean["order"]
        if order is not None:
            number, first = clean["number"], self.seen.get(clean["number"])
            if first is not None:
                self.rejected_group = clean["group"]
                message = _("Same order as row %(row)s: the lines of an order must follow each other.")
                raise RowRejected(
                    [Problem(row, self.labels["order_number"], number, message % {"row": first})]
                )
            self.seen[number] = row
            self.rejected_group = None
            if not clean["has_rate"]:
                self.without_rate += 1
        elif self.rejected_group == clean["group"]:
            message = _("Order rejected because of row %(row)s.") % {"row": clean["group"]}
            raise RowRejected([Problem(row, self.labels["order_number"], clean["number"], message)])
        return clean

    def _clean_group(self, group: list[tuple[int, dict[str, str]]]) -> list[tuple[int, Any, list[Problem]]]:
        col, check = self.labels, self.check
        out: list[tuple[int, Any, list[Problem]]] = []
        first_row, head = group[0]
        problems: list[Problem] = []
        number = head.get("order_number") or head.get("external_id") or ""
        external_id = head.get("external_id") or head.get("order_number") or ""
        if not number:
            problems.append(Problem(first_row, col["order_number"], "", _("The order number is missing.")))
        elif len(external_id) > 64:
            problems.append(
                Problem(first_row, col["external_id"], external_id, _("Too long (at most 64 characters)."))
            )
        email = check(problems, first_row, col["email"], head.get("email", ""), email_normalise) or ""
        status_raw = head.get("financial_status", "")
        status = _STATUSES.get(fold(status_raw), None) if status_raw else OrderStatus.PAID
        if status is None:
            problems.append(
                Problem(first_row, col["financial_status"], status_raw, _("Unknown payment status."))
            )
        ordered_at = check(problems, first_row, col["created_at"], head.get("created_at", ""), parse_datetime)
        if ordered_at is None and not any(p.column == col["created_at"] for p in problems):
            problems.append(Problem(first_row, col["created_at"], "", _("The order date is missing.")))
        paid_at = check(problems, first_row, col["paid_at"], head.get("paid_at", ""), parse_datetime)
        cancelled_at = check(
            problems, first_row, col["cancelled_at"], head.get("cancelled_at", ""), parse_datetime
        )
        if cancelled_at and status in (OrderStatus.PENDING, OrderStatus.PAID):
            status = OrderStatus.CANCELLED
        currency = (
            check(problems, first_row, col["currency"], head.get("currency", ""), parse_currency)
            or self.brand.default_currency
        )
        total = check(problems, first_row, col["total"], head.get("total", ""), parse_decimal)
        refunded = check(
            problems, first_row, col["refunded_amount"], head.get("refunded_amount", ""), parse_decimal
        )
        country = (
            check(problems, first_row, col["billing_country"], head.get("billing_country", ""), parse_country)
            or ""
        )
        accepts = check(
            problems, first_row, col["accepts_marketing"], head.get("accepts_marketing", ""), parse_bool
        )
        store_id = None
        if head.get("store_code"):
            store_id = self.stores.get(head["store_code"].upper())
            if store_id is None:
                problems.append(
                    Problem(first_row, col["store_code"], head["store_code"], _("Unknown store code."))
                )
        lines = []
        for row, raw in group:
            quantity = check(
                problems,
                row,
                col["line_quantity"],
                raw.get("line_quantity", ""),
                lambda v: parse_int(v, minimum=1, maximum=100_000),
            )
            price = check(problems, row, col["line_price"], raw.get("line_price", ""), parse_decimal)
            sku = raw.get("line_sku", "")[:64]
            quantity = quantity or 1
            price = price if price is not None else Decimal("0.00")
            lines.append(
                {
                    "rowno": row,
                    "order_external_id": external_id,
                    "product_id": self.products.get(sku.upper()),
                    "sku": sku,
                    "name": raw.get("line_name", "")[:200],
                    "serial": raw.get("line_serial", "")[:64],
                    "quantity": quantity,
                    "unit_price": price,
                    "total": price * quantity,
                }
            )
        if problems:
            rows_with_problems = {p.row for p in problems}
            for row, _raw in group:
                own = [p for p in problems if p.row == row]
                if row not in rows_with_problems:
                    own = [
                        Problem(
                            row,
                            col["order_number"],
                            number,
                            _("Order rejected because of row %(row)s.") % {"row": min(rows_with_problems)},
                        )
                    ]
                out.append((row, None, own))
            return out
        if total is None:
            total = sum((line["total"] for line in lines), Decimal("0.00"))
        total_brand = self.rates.to_brand(total, currency, ordered_at.date())
        first_name, _sep, last_name = head.get("billing_name", "").partition(" ")
        order = {
            "rowno": first_row,
            "external_id": external_id,
            "email": email,
            "status": status,
            "ordered_at": ordered_at,
            "paid_at": paid_at,
            "currency": currency,
            "total": total,
            "refunded_amount": refunded or Decimal("0.00"),
            "total_brand_currency": total_brand,
            "store_id": store_id,
            "first_name": first_name[:100],
            "last_name": last_name[:100],
            "city": head.get("billing_city", "")[:100],
            "postal_code": head.get("billing_zip", "")[:20],
            "country": country,
            "accepts_marketing": accepts,
            "line_rows": len(lines),
            "line_sig": _line_signature(lines),
        }
        # Rows travel back from a worker process as COPY lines, with what accept() needs.
        order_line = staging.csv_line([order[c] for c in ORDER_COPY_COLUMNS])
        has_rate = total_brand is not None
        for index, (row, _raw) in enumerate(group):
            line_csv = staging.csv_line([lines[index][c] for c in LINE_COPY_COLUMNS])
            clean = {
                "order": order_line if index == 0 else None,
                "line": line_csv,
                "group": first_row,
                "number": number,
                "has_rate": has_rate,
            }
            out.append((row, clean, []))
        return out

    # ---- set-based writes ----
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


def _line_signature(lines: list[dict[str, Any]]) -> str:
    """The same text PostgreSQL builds from stored lines (see merge), to detect changed lines."""
    parts = sorted(
        (line["sku"], line["name"], line["serial"], line["quantity"], line["unit_price"], line["total"])
        for line in lines
    )
    return "§".join("|".join(str(v) for v in p) for p in parts)
