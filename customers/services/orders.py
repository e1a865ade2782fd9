"""Orders (ERP, e-shop, point of sale, warranty sale) and the money conversion they need."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand

# --- Money --------------------------------------------------------------------------------------


def amount_convert(*, amount: Any, currency: str, to_currency: str, on_date: Any) -> Any:
    """`amount` in `currency` expressed in `to_currency`, at the latest rates on or before `on_date`
    (rates are stored as euros per unit). None when a rate is missing."""
    from decimal import Decimal

    from customers.selectors import exchange_rate_get

    currency, to_currency = currency.upper(), to_currency.upper()
    amount = Decimal(amount)
    if currency == to_currency:
        return amount.quantize(Decimal("0.01"))
    rate_from = exchange_rate_get(currency=currency, on_date=on_date)
    rate_to = exchange_rate_get(currency=to_currency, on_date=on_date)
    if rate_from is None or rate_to is None:
        return None
    return (amount * rate_from / rate_to).quantize(Decimal("0.01"))


# --- Orders -------------------------------------------------------------------------------------

ORDER_FIELDS = (
    "customer",
    "store",
    "channel",
    "ordered_at",
    "paid_at",
    "status",
    "currency",
    "total",
    "refunded_amount",
    "email",
)
LINE_FIELDS = ("product", "sku", "name", "serial", "quantity", "unit_price", "total")


def _line_key(line: dict[str, Any]) -> tuple:
    from decimal import Decimal

    return tuple(
        (
            getattr(line.get(f), "pk", line.get(f))
            if f == "product"
            else Decimal(line.get(f) or 0).quantize(Decimal("0.01"))
            if f in ("unit_price", "total")
            else int(line.get(f) or 1)
            if f == "quantity"
            else str(line.get(f) or "")
        )
        for f in LINE_FIELDS
    )


def order_upsert(
    *,
    brand: Brand,
    source: str,
    external_id: str,
    fields: dict[str, Any],
    lines: list[dict[str, Any]] | None = None,
) -> tuple[Any, str]:
    """Create or update the order (source, external_id) with its lines; returns (order, "created" |
    "updated" | "unchanged"). Idempotent: sending the same order twice changes nothing. The value in
    the brand's currency is computed from the exchange rate of the order date."""
    from decimal import Decimal

    from customers.models import Order, OrderLine

    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field %(name)s."), params={"name": ", ".join(sorted(unknown))})
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(brand=brand, source=source, external_id=external_id)
            .first()
        )
        status = "unchanged"
        if order is None:
            order = Order(brand=brand, source=source, external_id=external_id)
            status = "created"
        for name, value in fields.items():
            current = getattr(order, name, None)
            if name in ("total", "refunded_amount") and value is not None:
                value = Decimal(value).quantize(Decimal("0.01"))
            if name == "currency":
                value = (value or "").upper()
            if current != value:
                setattr(order, name, value)
                if status == "unchanged":
                    status = "updated"
        if order.refunded_amount is None:
            order.refunded_amount = Decimal("0")
        converted = (
            amount_convert(
                amount=order.total,
                currency=order.currency,
                to_currency=brand.default_currency,
                on_date=order.ordered_at.date(),
            )
            if order.total is not None and order.currency and order.ordered_at
            else None
        )
        if converted != order.total_brand_currency:
            order.total_brand_currency = converted
            if status == "unchanged":
                status = "updated"
        if status != "unchanged":
            order.save()
        if lines is not None:
            existing = list(order.lines.all().order_by("pk")) if status != "created" else []
            old_keys = [
                _line_key({f: getattr(line, "product_id" if f == "product" else f) for f in LINE_FIELDS})
                for line in existing
            ]
            if old_keys != [_line_key(line) for line in lines]:
                OrderLine.objects.filter(brand=brand, order=order).delete()
                OrderLine.objects.bulk_create(
                    [
                        OrderLine(
                            brand=brand, order=order, **{f: line.get(f) for f in LINE_FIELDS if f in line}
                        )
                        for line in lines
                    ]
                )
                if status == "unchanged":
                    status = "updated"
    if status != "unchanged" and order.customer_id:
        from customers.book_ranks import book_ranks_refresh_for

        book_ranks_refresh_for(brand=brand, customer_ids=[order.customer_id])
    return order, status


def order_record_sale(
    *,
    brand: Brand,
    customer: Customer,
    store: Any,
    product: Any,
    serial: str,
    price: Any,
    currency: str,
    at: Any,
    sold_on: Any,
) -> Any:
    """The paid order of a piece sold in a store (source "warranty"): one line, its value also in the
    brand's currency at the rate of the day of sale."""
    from customers.models import Order, OrderLine, OrderSource, OrderStatus

    order = Order.objects.create(
        brand=brand,
        source=OrderSource.WARRANTY,
        customer=customer,
        store=store,
        channel="store",
        ordered_at=at,
        paid_at=at,
        status=OrderStatus.PAID,
        currency=currency,
        total=price,
        total_brand_currency=amount_convert(
            amount=price, currency=currency, to_currency=brand.default_currency, on_date=sold_on
        ),
        email=customer.email,
    )
    OrderLine.objects.create(
        brand=brand,
        order=order,
        product=product,
        sku=product.reference,
        name=product.name_en,
        serial=serial,
        quantity=1,
        unit_price=price,
        total=price,
    )
    from customers.book_ranks import book_ranks_refresh_for

    book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk])
    return order
