from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from customers.tests.factories import CustomerFactory, OrderFactory


def history(
    brand: Any, purchases: dict[str, list[tuple[str, str]]], **customer_fields: Any
) -> dict[str, Any]:
    """{name: [(YYYY-MM-DD, amount), ...]} → customers with one order per purchase (paid, brand currency)."""
    customers = {}
    for name, rows in purchases.items():
        customer = CustomerFactory(brand=brand, first_name=name, **customer_fields)
        for day, amount in rows:
            on = datetime.combine(datetime.fromisoformat(day).date(), time(11, 0), tzinfo=UTC)
            OrderFactory(
                brand=brand,
                customer=customer,
                ordered_at=on,
                currency=brand.default_currency,
                total=Decimal(amount),
                total_brand_currency=Decimal(amount),
            )
        customers[name] = customer
    return customers
