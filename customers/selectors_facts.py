"""Set-based reads of purchases ("facts") for insights and campaigns: sales, orders, co-purchases."""

from __future__ import annotations

from django.db.models import QuerySet

from jewelcrm.accounts.models import Brand


def serialised_sale_facts(*, brand: Brand) -> QuerySet:
    """One row per serialised piece sold in a store according to the ERP or a till (not the warranty
    registrations, which warranties reports itself): store_id, product_id, day, serial.

    Refunded and cancelled orders are left out. For set-based aggregation (the insights tables).
    """
    from zoneinfo import ZoneInfo

    from django.db.models import F
    from django.db.models.functions import TruncDate

    from customers.models import OrderLine, OrderSource, OrderStatus

    return (
        OrderLine.objects.filter(
            brand=brand,
            order__store__isnull=False,
            product__isnull=False,
            order__source__in=(OrderSource.ERP, OrderSource.POS),
        )
        .exclude(serial="")
        .exclude(order__status__in=(OrderStatus.REFUNDED, OrderStatus.CANCELLED))
        .order_by()
        .values(
            "serial",
            "product_id",
            store_id=F("order__store_id"),
            day=TruncDate("order__ordered_at", tzinfo=ZoneInfo(brand.time_zone)),
        )
    )


def sales_line_facts(*, brand: Brand) -> QuerySet:
    """One row per order line with a known product: store_id (none online), product_id, channel, country
    (the store's, else the customer's), day, units and revenue net of refunds in the brand's currency.

    Refunded, cancelled and pending orders are left out; a line whose order has no brand-currency value
    (no exchange rate) counts its units but no revenue. For set-based aggregation (the insights tables).
    """
    from zoneinfo import ZoneInfo

    from django.db.models import Case, CharField, DecimalField, ExpressionWrapper, F, Value, When
    from django.db.models.functions import Coalesce, TruncDate

    from customers.models import OrderLine, OrderStatus

    money = DecimalField(max_digits=16, decimal_places=2)
    net_in_brand_currency = Case(
        When(order__total=0, then=Value(0, output_field=money)),
        default=ExpressionWrapper(
            F("total")
            * F("order__total_brand_currency")
            * (F("order__total") - F("order__refunded_amount"))
            / (F("order__total") * F("order__total")),
            output_field=money,
        ),
        output_field=money,
    )
    return (
        OrderLine.objects.filter(brand=brand, product__isnull=False)
        .exclude(order__status__in=(OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.PENDING))
        .order_by()
        .values(
            "product_id",
            store_id=F("order__store_id"),
            channel=F("order__channel"),
            country=Coalesce(
                F("order__store__country"), F("order__customer__country"), Value(""), output_field=CharField()
            ),
            day=TruncDate("order__ordered_at", tzinfo=ZoneInfo(brand.time_zone)),
            units=F("quantity"),
            revenue=net_in_brand_currency,
        )
    )


def products_bought_by(*, brand: Brand, customer_ids: list[int]) -> dict[int, list[int]]:
    """The product ids each of these customers bought (kept orders), last bought first, in two queries:
    the orders, then their lines by order id (an index look-up, where one join made PostgreSQL scan every
    line of the brand)."""
    from customers.models import Order, OrderLine, OrderStatus

    orders = {
        order_id: (customer_id, ordered_at)
        for order_id, customer_id, ordered_at in Order.objects.filter(
            brand=brand, customer_id__in=customer_ids
        )
        .exclude(status__in=(OrderStatus.REFUNDED, OrderStatus.CANCELLED))
        .order_by()
        .values_list("id", "customer_id", "ordered_at")
    }
    lines = sorted(
        OrderLine.objects.filter(brand=brand, order_id__in=list(orders), product__isnull=False)
        .order_by()
        .values_list("order_id", "product_id", "id"),
        key=lambda line: (orders[line[0]][1], line[2]),
        reverse=True,
    )
    bought: dict[int, list[int]] = {}
    for order_id, product_id, _line_id in lines:
        products = bought.setdefault(orders[order_id][0], [])
        if product_id not in products:
            products.append(product_id)
    return bought


def co_purchase_counts(*, brand: Brand) -> QuerySet:
    """Pairs of products bought by the same customer (kept orders), with the number of customers who bought
    both: rows of (product_id, other_id, customers), both directions; a product paired with itself is in
    it too (skip those rows). One aggregate query over the order lines (a self-join through the customer),
    for campaigns' "bought together" recommendations; cache the result per brand."""
    from django.db.models import Count, F

    from customers.models import OrderLine, OrderStatus

    kept = [s for s in OrderStatus.values if s not in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)]
    return (
        OrderLine.objects.filter(
            brand=brand,
            product__isnull=False,
            order__status__in=kept,
            order__customer__isnull=False,
            order__customer__orders__status__in=kept,
            order__customer__orders__lines__product__isnull=False,
        )
        .order_by()
        .values("product_id", other_id=F("order__customer__orders__lines__product_id"))
        .annotate(customers=Count("order__customer_id", distinct=True))
    )


def purchase_list(*, brand: Brand) -> QuerySet:
    """The brand's purchases that count as a conversion (campaigns, outreach): orders of every source,
    warranty registrations included (each records a paid order), neither cancelled, refunded nor pending,
    with `net_value`: their value in the brand's currency net of refunds (None without an exchange rate)."""
    from django.db.models import Case, DecimalField, ExpressionWrapper, F, Value, When

    from customers.models import Order, OrderStatus

    money = DecimalField(max_digits=16, decimal_places=2)
    return (
        Order.objects.filter(brand=brand, customer__isnull=False)
        .exclude(status__in=(OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.PENDING))
        .annotate(
            net_value=Case(
                When(total=0, then=Value(0, output_field=money)),
                default=ExpressionWrapper(
                    F("total_brand_currency") * (F("total") - F("refunded_amount")) / F("total"),
                    output_field=money,
                ),
                output_field=money,
            )
        )
    )


def customer_emails(*, brand: Brand, customer_ids: list[int]) -> list[str]:
    """The e-mail addresses of these profiles (those they have), as stored."""
    from customers.models import Customer

    return [
        email
        for email in Customer.objects.filter(brand=brand, pk__in=customer_ids)
        .exclude(email="")
        .values_list("email", flat=True)
        if email
    ]


def order_facts(*, brand: Brand) -> QuerySet:
    """One row per order that counts as a purchase: order_id, customer_id (none when anonymous), store_id
    (none online), channel, country (the store's, else the customer's), day (in the brand's time zone) and
    revenue net of refunds in the brand's currency (none when the order has no exchange rate).

    Refunded, cancelled and pending orders are left out. For set-based aggregation (the insights overview).
    """
    from zoneinfo import ZoneInfo

    from django.db.models import Case, CharField, DecimalField, ExpressionWrapper, F, Value, When
    from django.db.models.functions import Coalesce, TruncDate

    from customers.models import Order, OrderStatus

    money = DecimalField(max_digits=16, decimal_places=2)
    net_in_brand_currency = Case(
        When(total=0, then=Value(0, output_field=money)),
        default=ExpressionWrapper(
            F("total_brand_currency") * (F("total") - F("refunded_amount")) / F("total"), output_field=money
        ),
        output_field=money,
    )
    return (
        Order.objects.filter(brand=brand)
        .exclude(status__in=(OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.PENDING))
        .order_by()
        .values(
            "customer_id",
            "store_id",
            "channel",
            order_id=F("id"),
            country=Coalesce(
                F("store__country"), F("customer__country"), Value(""), output_field=CharField()
            ),
            day=TruncDate("ordered_at", tzinfo=ZoneInfo(brand.time_zone)),
            revenue=net_in_brand_currency,
        )
    )
