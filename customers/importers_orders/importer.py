"""The order importer: one order (a group of consecutive rows) cleaned at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from customers.importers_orders.columns import (
    _STATUSES,
    LINE_COPY_COLUMNS,
    ORDER_COPY_COLUMNS,
    ORDER_FIELDS,
    _line_signature,
)
from customers.importers_orders.merge import OrderMerge
from customers.importers_orders.rates import RateTable, exchange_rates_ensure
from customers.models import OrderSource, OrderStatus
from customers.normalise import email_normalise
from jewelcrm.imports import staging
from jewelcrm.imports.framework import BaseImporter, Problem, RowRejected
from jewelcrm.imports.values import (
    fold,
    parse_bool,
    parse_country,
    parse_currency,
    parse_datetime,
    parse_decimal,
    parse_int,
)


class OrderImporter(OrderMerge, BaseImporter):
    kind = "orders"
    parallel_clean = True
    required_one_of = ("order_number", "external_id")
    source = OrderSource.ESHOP
    fields = ORDER_FIELDS

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
