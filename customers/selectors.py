"""Reads of customers and their consents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from customers.models import Channel, Consent, Customer
from customers.selectors_facts import (  # noqa: F401
    co_purchase_counts,
    customer_emails,
    order_facts,
    products_bought_by,
    purchase_list,
    sales_line_facts,
    serialised_sale_facts,
)
from jewelcrm.accounts.models import Brand


def customer_get(*, brand: Brand, customer_id: int) -> Customer | None:
    return Customer.objects.filter(brand=brand, pk=customer_id, merged_into__isnull=True).first()


def customer_survivor_id(*, brand: Brand, customer_id: int) -> int | None:
    """The live profile a merged profile ended in (following chains of merges), else None."""
    seen: set[int] = set()
    current = (
        Customer.objects.filter(brand=brand, pk=customer_id).values_list("merged_into_id", flat=True).first()
    )
    while current is not None and current not in seen:
        seen.add(current)
        following = (
            Customer.objects.filter(brand=brand, pk=current).values_list("merged_into_id", flat=True).first()
        )
        if following is None:
            return current
        current = following
    return None


def customer_find(*, brand: Brand, email: str = "", phone: str = "") -> Customer | None:
    """The customer with this normalised e-mail, else this E.164 phone (merged profiles excluded)."""
    base = Customer.objects.filter(brand=brand, merged_into__isnull=True, is_pseudonymised=False)
    if email:
        found = base.filter(email=email).order_by("pk").first()
        if found:
            return found
    if phone:
        return base.filter(phone=phone).order_by("pk").first()
    return None


def consent_current(
    *, brand: Brand, customer: Customer, purpose: str = "marketing"
) -> dict[str, Consent | None]:
    """The latest ledger entry per channel: the customer's current consent status."""
    current: dict[str, Consent | None] = {c.value: None for c in Channel}
    for entry in Consent.objects.filter(brand=brand, customer=customer, purpose=purpose).order_by("at", "id"):
        current[entry.channel] = entry
    return current


def consent_is_active(*, brand: Brand, customer: Customer, channel: str, purpose: str = "marketing") -> bool:
    """May marketing reach this person on this channel? Granted and, for e-mail, confirmed."""
    entry = consent_current(brand=brand, customer=customer, purpose=purpose).get(channel)
    if entry is None or not entry.is_granted:
        return False
    return entry.is_confirmed or channel != Channel.EMAIL


def customer_list(*, brand: Brand) -> QuerySet[Customer]:
    return Customer.objects.filter(brand=brand, merged_into__isnull=True).select_related("home_store")


# --- Search and filters -------------------------------------------------------------------------


def customer_search(
    *,
    brand: Brand,
    query: str = "",
    country: str = "",
    home_store_id: int | None = None,
    consent_channel: str = "",
    tag: str = "",
    or_ids: Any = None,
) -> QuerySet[Customer]:
    """The brand's live profiles (merged ones excluded) matching a free-text query on name, e-mail or
    phone, and the filters. `or_ids` (ids or a values() queryset) also match the query: the customer 360
    package passes the owners of an item whose serial is the query. Item filters are added there."""
    qs = customer_list(brand=brand)
    query = (query or "").strip()
    if query:
        qs = matching(qs, brand=brand, query=query, or_ids=or_ids)
    if country:
        qs = qs.filter(country=country.upper())
    if home_store_id:
        qs = qs.filter(home_store_id=home_store_id)
    if tag:
        qs = qs.filter(tags__contains=[tag])
    if consent_channel:
        qs = with_active_consent(qs, channel=consent_channel)
    return qs


def matching(qs: QuerySet[Customer], *, brand: Brand, query: str, or_ids: Any = None) -> QuerySet[Customer]:
    """`qs` narrowed to the profiles a free-text query finds: an e-mail starting with it, a phone holding
    its digits, a name with a word starting with each of its words (customers.search_terms, ADR 0044),
    or one of `or_ids`."""
    from django.db.models.expressions import RawSQL

    from customers.search_terms import matching_ids_sql

    or_sql, or_params = _ids_sql(or_ids) if or_ids is not None else ("", ())
    sql, params = matching_ids_sql(brand_id=brand.pk, query=query, or_sql=or_sql, or_params=or_params)
    if not sql:
        return qs.none()  # nothing to look for
    # Ranges of the search-term index only (leakproof operators), gathered into one array first: the
    # planner then probes the primary key with the few ids it expects from `unnest`, instead of hashing
    # the ids and reading every profile of the brand. (No table name here: the queryset may become a
    # subquery under another alias, as in the client book.)
    return qs.filter(pk__in=RawSQL(f"SELECT unnest(ARRAY({sql}))", params))  # noqa: S611


def _ids_sql(ids: Any) -> tuple[str, tuple]:
    """SQL of a values() queryset of ids, or of a list of ids."""
    if hasattr(ids, "query"):
        return ids.order_by().query.sql_with_params()
    return "SELECT unnest(%s::bigint[])", ([int(i) for i in ids],)


def with_active_consent(
    qs: QuerySet[Customer], *, channel: str, purpose: str = "marketing"
) -> QuerySet[Customer]:
    """Only the customers whose latest ledger entry for (channel, purpose) grants it (and, for e-mail,
    is confirmed): the same rule as consent_is_active, in one query."""
    from django.db.models import OuterRef, Q, Subquery

    latest = Consent.objects.filter(customer=OuterRef("pk"), channel=channel, purpose=purpose).order_by(
        "-at", "-id"
    )
    qs = qs.annotate(
        _consent_granted=Subquery(latest.values("is_granted")[:1]),
        _consent_confirmed=Subquery(latest.values("is_confirmed")[:1]),
    ).filter(_consent_granted=True, is_pseudonymised=False)
    if channel == Channel.EMAIL:
        qs = qs.filter(Q(_consent_confirmed=True))
    return qs


def customer_tags(*, brand: Brand) -> list[str]:
    """Every tag in use (for the filter), sorted; kept FILTER_CHOICES_SECONDS."""
    from django.core.cache import cache

    return cache.get_or_set(
        f"customers:{brand.pk}:tags", lambda: _customer_tags(brand), FILTER_CHOICES_SECONDS
    )


def _customer_tags(brand: Brand) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT jsonb_array_elements_text(tags) FROM customers_customer "
            "WHERE brand_id = %s AND merged_into_id IS NULL AND jsonb_typeof(tags) = 'array' "
            "ORDER BY 1 LIMIT 200",
            [brand.pk],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Consent ledger -----------------------------------------------------------------------------


def consent_ledger(*, brand: Brand, customer: Customer) -> QuerySet[Consent]:
    """Every ledger entry of the person, newest first."""
    return (
        Consent.objects.filter(brand=brand, customer=customer)
        .select_related("store", "staff")
        .order_by("-at", "-id")
    )


def consent_status_table(*, brand: Brand, customer: Customer) -> list[dict]:
    """Current status per (purpose, channel), derived from the latest entry of each."""
    latest: dict[tuple[str, str], Consent] = {}
    for entry in Consent.objects.filter(brand=brand, customer=customer).order_by("at", "id"):
        latest[(entry.purpose, entry.channel)] = entry
    rows = []
    for (purpose, channel), entry in sorted(latest.items()):
        rows.append(
            {
                "purpose": purpose,
                "channel": channel,
                "entry": entry,
                "is_active": entry.is_granted and (entry.is_confirmed or channel != Channel.EMAIL),
                "is_pending": entry.is_granted and channel == Channel.EMAIL and not entry.is_confirmed,
            }
        )
    return rows


# --- Relations, orders, money -------------------------------------------------------------------


def relation_list(*, brand: Brand, customer: Customer) -> QuerySet:
    from customers.models import Relation

    return Relation.objects.filter(brand=brand, customer=customer).order_by("kind", "name")


def relation_get(*, brand: Brand, customer: Customer, relation_id: int):  # noqa: ANN201
    from customers.models import Relation

    return Relation.objects.filter(brand=brand, customer=customer, pk=relation_id).first()


def order_list(*, brand: Brand, customer: Customer) -> QuerySet:
    """The person's orders, newest first, with store and lines."""
    from customers.models import Order

    return (
        Order.objects.filter(brand=brand, customer=customer)
        .select_related("store")
        .prefetch_related("lines")
        .order_by("-ordered_at", "-id")
    )


def exchange_rate_get(*, currency: str, on_date: Any) -> Decimal | None:
    """Euros per unit of `currency`: the latest stored rate on or before `on_date` (1 for EUR)."""
    from customers.models import ExchangeRate

    currency = currency.upper()
    if currency == "EUR":
        return Decimal("1")
    return (
        ExchangeRate.objects.filter(currency=currency, date__lte=on_date)
        .order_by("-date")
        .values_list("rate_to_eur", flat=True)
        .first()
    )


def exchange_rate_between(*, source: str, target: str, on_date: Any) -> tuple[Decimal, Any] | None:
    """Units of `target` per unit of `source` from the latest rates stored on or before `on_date`, with
    the date of the older of the two rates used (the date the conversion is "as of"); None without rate."""
    from customers.models import ExchangeRate

    source, target = source.upper(), target.upper()
    if source == target:
        return Decimal("1"), on_date
    rates: dict[str, tuple[Decimal, Any]] = {"EUR": (Decimal("1"), on_date)}
    for currency in {source, target} - {"EUR"}:
        row = (
            ExchangeRate.objects.filter(currency=currency, date__lte=on_date)
            .order_by("-date")
            .values_list("rate_to_eur", "date")
            .first()
        )
        if row is None:
            return None
        rates[currency] = (row[0], row[1])
    (source_eur, source_day), (target_eur, target_day) = rates[source], rates[target]
    return (source_eur / target_eur).quantize(Decimal("0.000001")), min(source_day, target_day)


def order_values_in_brand_currency(*, brand: Brand, orders: list[Any]) -> None:
    """Set `order.brand_value` on each order: the stored value in the brand's currency, else converted
    now with the rates of the order date (orders written without it, e.g. by warranty sales). One query
    for all the rates needed; None when a rate is missing."""
    from customers.models import ExchangeRate

    to = brand.default_currency.upper()
    missing = [o for o in orders if o.total_brand_currency is None and o.total is not None and o.currency]
    for order in orders:
        order.brand_value = order.total_brand_currency
    if not missing:
        return
    currencies = {o.currency.upper() for o in missing} | {to}
    latest = max(o.ordered_at.date() for o in missing)
    table: dict[str, list[tuple[Any, Decimal]]] = {}
    for currency, day, rate in (
        ExchangeRate.objects.filter(currency__in=currencies - {"EUR"}, date__lte=latest)
        .order_by("currency", "date")
        .values_list("currency", "date", "rate_to_eur")
    ):
        table.setdefault(currency, []).append((day, rate))

    def rate(currency: str, on: Any) -> Decimal | None:
        if currency == "EUR":
            return Decimal("1")
        found = None
        for day, value in table.get(currency, []):
            if day > on:
                break
            found = value
        return found

    for order in missing:
        on = order.ordered_at.date()
        if order.currency.upper() == to:
            order.brand_value = Decimal(order.total).quantize(Decimal("0.01"))
            continue
        rate_from, rate_to = rate(order.currency.upper(), on), rate(to, on)
        if rate_from is not None and rate_to is not None:
            order.brand_value = (Decimal(order.total) * rate_from / rate_to).quantize(Decimal("0.01"))


def customer_purchase_summary(
    *, brand: Brand, customer: Customer, orders: list[Any] | None = None
) -> dict[str, Any]:
    """Count, value in the brand's currency net of refunds (cancelled orders excluded) and last date.
    Pass the person's `orders` already read (order_list) to save the query."""
    from customers.models import OrderStatus

    if orders is None:
        orders = list(order_list(brand=brand, customer=customer))
    if orders and not hasattr(orders[0], "brand_value"):
        order_values_in_brand_currency(brand=brand, orders=orders)
    kept = [o for o in orders if o.status != OrderStatus.CANCELLED]
    value = Decimal("0")
    for order in kept:
        if order.brand_value is not None and order.total:
            net = (Decimal(order.total) - Decimal(order.refunded_amount or 0)) / Decimal(order.total)
            value += (order.brand_value * net).quantize(Decimal("0.01"))
    return {"count": len(kept), "value": value, "last": max((o.ordered_at for o in kept), default=None)}


# The filter choices of the customer list scan every profile: at a million customers they are kept for
# ten minutes (the key holds the brand).
FILTER_CHOICES_SECONDS = 600


def customer_caches_forget(*, brand: Brand) -> None:
    """After an erasure commits: the cached filter choices built from profiles (a tag may name the person)
    are counted again at the next read."""
    from django.core.cache import cache
    from django.db import transaction

    def forget() -> None:
        cache.delete_many([f"customers:{brand.pk}:tags", f"customers:{brand.pk}:countries"])

    transaction.on_commit(forget, robust=True)


def customer_countries(*, brand: Brand) -> list[str]:
    """Countries of the brand's customers, for the list filter."""
    from django.core.cache import cache

    return cache.get_or_set(
        f"customers:{brand.pk}:countries",
        lambda: list(
            customer_list(brand=brand)
            .exclude(country="")
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        ),
        FILTER_CHOICES_SECONDS,
    )
