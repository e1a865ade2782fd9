"""Demo customers: French, Swiss and international clients with relations, a consent ledger and three
years of ERP and e-shop orders. Bulk writes; idempotent (everything keyed by a DEMO- external id).

Leaves `ctx.shared["customer_ids"]` (ids of the demo customers) for the warranties demo.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from django.utils import timezone

from customers.demo_data import (
    CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    MAIL_DOMAINS,
    NOTES,
    PHONE_LEN,
    PHONE_PREFIX,
    PRODUCTS_FALLBACK,
    RATES,
    STREETS,
    TAGS,
)
from customers.models import (
    Channel,
    Consent,
    ConsentSource,
    Customer,
    ExchangeRate,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    Relation,
    RelationKind,
)
from customers.search_terms import search_terms_refresh
from jewelcrm.demo import DemoContext

SIZES = {"full": 3000, "small": 40}


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower().replace(" ", "").replace("'", "")


def _seed_rates(today: date) -> None:
    rows = []
    start = date(today.year - 3, 1, 1)
    month = start
    index = 0
    while month <= today:
        for currency, base in RATES.items():
            drift = Decimal(1) + Decimal(((index * 7) % 11) - 5) / Decimal(200)
            rows.append(
                ExchangeRate(
                    date=month,
                    currency=currency,
                    rate_to_eur=(Decimal(base) * drift).quantize(Decimal("0.00000001")),
                )
            )
        index += 1
        month = date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def _rate_table() -> dict[str, list[tuple[date, Decimal]]]:
    table: dict[str, list[tuple[date, Decimal]]] = {}
    for currency, day, rate in ExchangeRate.objects.order_by("currency", "date").values_list(
        "currency", "date", "rate_to_eur"
    ):
        table.setdefault(currency, []).append((day, rate))
    return table


def _rate(table: dict[str, list[tuple[date, Decimal]]], currency: str, on: date) -> Decimal | None:
    if currency == "EUR":
        return Decimal(1)
    best = None
    for day, rate in table.get(currency, []):
        if day <= on:
            best = rate
        else:
            break
    return best


def _phone(rng: Any, country: str) -> str:
    """A random number of the country's mobile range that phonenumbers accepts as valid (E.164)."""
    prefix = PHONE_PREFIX[country]
    for _attempt in range(20):
        candidate = prefix + "".join(str(rng.randint(0, 9)) for _ in range(PHONE_LEN[country] - len(prefix)))
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)):
            return candidate
    return ""


def _birthday(rng: Any, today: date) -> date:
    # Keep a few 29 February birthdays: the client book must handle them.
    if rng.random() < 0.01:
        return date(rng.choice([1976, 1984, 1988, 1992, 1996]), 2, 29)
    return today - timedelta(days=rng.randint(20 * 365, 75 * 365))


def seed(ctx: DemoContext) -> None:
    brand, today = ctx.brand, ctx.today
    stores = list(ctx.shared.get("stores", {}).values())
    total = SIZES.get(ctx.size, SIZES["small"])
    _seed_rates(today)

    existing = dict(
        Customer.objects.filter(brand=brand, external_id__startswith="DEMO-").values_list("external_id", "pk")
    )
    if len(existing) < total:
        _seed_customers(ctx, stores, total, existing)
    _seed_duplicates(ctx, total)
    ids = list(
        Customer.objects.filter(brand=brand, external_id__startswith="DEMO-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ctx.shared["customer_ids"] = ids
    if not Order.objects.filter(brand=brand, external_id__startswith="DEMO-").exists():
        _seed_orders(ctx, stores, ids)
    search_terms_refresh(brand_id=brand.pk)  # every profile found by its words, set-based
    from customers.book_ranks import book_ranks_refresh, brand_today

    book_ranks_refresh(brand_id=brand.pk, today=brand_today(brand))  # the client books' order


def _associates_by_store() -> dict[int, list[Any]]:
    from jewelcrm.accounts.models import Membership
    from jewelcrm.accounts.roles import RETAIL_ROLES

    result: dict[int, list[Any]] = {}
    for membership in Membership.objects.filter(role__in=list(RETAIL_ROLES), is_active=True).exclude(
        store=None
    ):
        result.setdefault(membership.store_id, []).append(membership.user_id)
    return result


def _seed_customers(ctx: DemoContext, stores: list[Any], total: int, existing: dict[str, int]) -> None:
    rng, brand, today = ctx.rng, ctx.brand, ctx.today
    associates = _associates_by_store()
    domain_country = "CH" if brand.country == "CH" else "FR"
    now = timezone.now()
    customers: list[Customer] = []
    seen_emails: set[str] = set()
    for n in range(total):
        external_id = f"DEMO-{n + 1:05d}"
        if external_id in existing:
            continue
        roll = rng.random()
        origin = (
            domain_country
            if roll < 0.55
            else ("CH" if domain_country == "FR" else "FR")
            if roll < 0.75
            else "INT"
        )
        first = rng.choice(FIRST_NAMES[origin])
        last = rng.choice(LAST_NAMES[origin])
        if origin == "INT":
            country = rng.choice(["GB", "US", "AE", "JP", "HK", "SG", "DE", "BE"])
        else:
            country = origin
        city, postal = rng.choice(CITIES[country])
        suffix = "" if rng.random() < 0.5 else str(rng.randint(1, 999))
        email = f"{_ascii(first)}.{_ascii(last)}{suffix}@{rng.choice(MAIL_DOMAINS)}"
        if email in seen_emails:
            email = email.replace("@", f"{n}@")
        seen_emails.add(email)
        phone = _phone(rng, country)
        married = rng.random() < 0.45
        since = today - timedelta(days=rng.randint(0, 6 * 365))
        store = rng.choice(stores) if stores else None
        store_associates = associates.get(store.pk, []) if store else []
        created = timezone.make_aware(datetime.combine(since, time(10, 0)))
        customers.append(
            Customer(
                brand=brand,
                external_id=external_id,
                title=rng.choice(["Mme", "M.", "", "Dr"]),
                first_name=first,
                last_name=last,
                email=email if rng.random() < 0.95 else "",
                phone=phone if rng.random() < 0.8 else "",
                birth_date=_birthday(rng, today) if rng.random() < 0.7 else None,
                gender=rng.choice(["female", "male", ""]),
                family_situation="married" if married else rng.choice(["single", ""]),
                wedding_anniversary=(today - timedelta(days=rng.randint(365, 30 * 365))) if married else None,
                address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                city=city,
                postal_code=postal,
                country=country,
                language="fr" if origin in ("FR", "CH") and rng.random() < 0.8 else "en",
                preferred_channel=rng.choice([Channel.EMAIL, Channel.EMAIL, Channel.SMS, Channel.PHONE, ""]),
                tags=rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2])),
                notes=rng.choice(NOTES),
                home_store=store,
                assigned_associate_id=(
                    rng.choice(store_associates) if store_associates and rng.random() < 0.5 else None
                ),
                customer_since=since,
                created_at=created,
                field_sources={
                    "first_name": "erp",
                    "last_name": "erp",
                    "email": rng.choice(["erp", "eshop", "store"]),
                    "phone": "erp",
                },
                email_confirmed_at=now if rng.random() < 0.4 else None,
            )
        )
        if len(customers) >= 1000:
            Customer.objects.bulk_create(customers, batch_size=1000)
            customers = []
    if customers:
        Customer.objects.bulk_create(customers, batch_size=1000)

    fresh = list(
        Customer.objects.filter(brand=brand, external_id__startswith="DEMO-")
        .exclude(external_id__in=list(existing))
        .values_list("pk", "email_confirmed_at", "home_store_id", "customer_since", "last_name")
    )
    relations: list[Relation] = []
    consents: list[Consent] = []
    for pk, confirmed_at, store_id, since, last in fresh:
        if rng.random() < 0.35:
            kind = rng.choice(
                [RelationKind.SPOUSE, RelationKind.CHILD, RelationKind.FRIEND, RelationKind.PARENT]
            )
            given = rng.choice(FIRST_NAMES["FR"] + FIRST_NAMES["INT"])
            name = f"{given} {last if kind != RelationKind.FRIEND else ''}".strip()
            relations.append(
                Relation(
                    brand=brand,
                    customer_id=pk,
                    name=name,
                    kind=kind,
                    birth_date=_birthday(rng, today),
                    anniversary=(today - timedelta(days=rng.randint(365, 20 * 365)))
                    if kind == RelationKind.SPOUSE
                    else None,
                )
            )
        at = timezone.make_aware(datetime.combine(since, time(11, 0)))
        if rng.random() < 0.7:
            consents.append(
                Consent(
                    brand=brand,
                    customer_id=pk,
                    channel=Channel.EMAIL,
                    is_granted=True,
                    at=at,
                    source=ConsentSource.STORE,
                    wording_version="2024-01",
                    store_id=store_id,
                )
            )
            if confirmed_at:
                consents.append(
                    Consent(
                        brand=brand,
                        customer_id=pk,
                        channel=Channel.EMAIL,
                        is_granted=True,
                        is_confirmed=True,
                        at=at + timedelta(hours=2),
                        source=ConsentSource.DOUBLE_OPT_IN,
                        wording_version="2024-01",
                    )
                )
            if rng.random() < 0.08:
                consents.append(
                    Consent(
                        brand=brand,
                        customer_id=pk,
                        channel=Channel.EMAIL,
                        is_granted=False,
                        at=at + timedelta(days=rng.randint(10, 400)),
                        source=ConsentSource.PORTAL,
                        wording_version="2024-01",
                    )
                )
        if rng.random() < 0.4:
            consents.append(
                Consent(
                    brand=brand,
                    customer_id=pk,
                    channel=Channel.SMS,
                    is_granted=True,
                    at=at,
                    source=ConsentSource.IMPORT,
                    wording_version="erp-2022",
                )
            )
    Relation.objects.bulk_create(relations, batch_size=2000)
    Consent.objects.bulk_create(consents, batch_size=2000)


def _seed_duplicates(ctx: DemoContext, total: int) -> None:
    """About 1.5% of likely duplicates for the review page: the same person entered again by the e-shop
    (same e-mail) or in store (name typed without accents, same birth date)."""
    rng, brand = ctx.rng, ctx.brand
    if Customer.objects.filter(brand=brand, external_id__startswith="DEMODUP-").exists():
        return
    sources = list(
        Customer.objects.filter(brand=brand, external_id__startswith="DEMO-").order_by("pk")[:total]
    )
    picked = rng.sample(sources, k=max(1, len(sources) * 15 // 1000)) if sources else []
    copies = []
    for n, original in enumerate(picked):
        same_email = n % 2 == 0 and original.email
        copies.append(
            Customer(
                brand=brand,
                external_id=f"DEMODUP-{n + 1:04d}",
                first_name=_ascii(original.first_name).capitalize()
                if not same_email
                else original.first_name,
                last_name=original.last_name.upper() if not same_email else original.last_name,
                email=original.email if same_email else "",
                phone="" if same_email else original.phone or f"+336000{n:05d}",
                birth_date=original.birth_date if not same_email else None,
                country=original.country,
                language=original.language,
                customer_since=ctx.today,
                home_store_id=original.home_store_id,
                field_sources={"email": "eshop"} if same_email else {"first_name": "store"},
            )
        )
    Customer.objects.bulk_create(copies)


def _seed_orders(ctx: DemoContext, stores: list[Any], ids: list[int]) -> None:
    from jewelcrm.catalog.models import Product

    rng, brand, today = ctx.rng, ctx.brand, ctx.today
    products = [
        (p.pk, p.reference, p.name_en, p.price or Decimal("1000"))
        for p in Product.objects.filter(brand=brand)[:60]
    ]
    if not products:
        products = [(None, ref, name, Decimal(price)) for ref, name, price in PRODUCTS_FALLBACK]
    eshop = next((s for s in stores if s.type == "eshop"), None)
    physical = [s for s in stores if s.type != "eshop"] or stores
    rates = _rate_table()
    orders: list[Order] = []
    lines_by_key: dict[str, list[dict[str, Any]]] = {}
    buyers = rng.sample(ids, k=int(len(ids) * 0.6)) if ids else []
    n = 0
    for customer_id in buyers:
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            n += 1
            is_eshop = rng.random() < 0.3
            store = eshop if is_eshop and eshop else (rng.choice(physical) if physical else None)
            currency = "EUR" if is_eshop else (store.currency if store else brand.default_currency)
            ordered = timezone.make_aware(
                datetime.combine(
                    today - timedelta(days=rng.randint(0, 3 * 365)),
                    time(rng.randint(9, 19), rng.randint(0, 59)),
                )
            )
            picked = rng.sample(products, k=rng.choice([1, 1, 2]))
            rate_to_eur = _rate(rates, currency, ordered.date()) or Decimal(1)
            lines = []
            total = Decimal("0")
            for product_id, ref, name, price in picked:
                unit = (
                    (Decimal(price) / rate_to_eur).quantize(Decimal("1"))
                    if currency != "EUR"
                    else Decimal(price)
                )
                qty = 1
                lines.append(
                    {
                        "product_id": product_id,
                        "sku": ref,
                        "name": name,
                        "quantity": qty,
                        "unit_price": unit,
                        "total": unit * qty,
                    }
                )
                total += unit * qty
            roll = rng.random()
            status = (
                OrderStatus.CANCELLED
                if roll < 0.03
                else OrderStatus.REFUNDED
                if roll < 0.06
                else OrderStatus.PARTIALLY_REFUNDED
                if roll < 0.08
                else OrderStatus.PAID
            )
            refunded = (
                total
                if status == OrderStatus.REFUNDED
                else (
                    (total / 2).quantize(Decimal("0.01"))
                    if status == OrderStatus.PARTIALLY_REFUNDED
                    else Decimal(0)
                )
            )
            brand_rate = _rate(rates, brand.default_currency, ordered.date()) or Decimal(1)
            source = OrderSource.ESHOP if is_eshop else OrderSource.ERP
            key = f"DEMO-{n:06d}"
            orders.append(
                Order(
                    brand=brand,
                    source=source,
                    external_id=key,
                    customer_id=customer_id,
                    store=store,
                    channel="web" if is_eshop else "store",
                    ordered_at=ordered,
                    paid_at=None if status == OrderStatus.CANCELLED else ordered,
                    status=status,
                    currency=currency,
                    total=total,
                    refunded_amount=refunded,
                    total_brand_currency=(total * rate_to_eur / brand_rate).quantize(Decimal("0.01")),
                )
            )
            lines_by_key[key] = lines
    Order.objects.bulk_create(orders, batch_size=2000)
    order_ids = dict(
        Order.objects.filter(brand=brand, external_id__startswith="DEMO-").values_list("external_id", "pk")
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(brand=brand, order_id=order_ids[key], **line)
            for key, lines in lines_by_key.items()
            for line in lines
        ],
        batch_size=4000,
    )
