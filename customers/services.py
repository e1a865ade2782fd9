"""Writes of customers and of the consent ledger.

Other apps (warranty registration, owner portal, imports) go through these functions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel, Consent, ConsentSource, Customer
from customers.search_terms import SEARCHED_FIELDS, search_terms_refresh
from jewelcrm.accounts.models import Brand

CONFIRMATION_SALT = "customers.consent-confirmation"
CONFIRMATION_MAX_AGE = timedelta(days=30)


def customer_create(
    *,
    brand: Brand,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    language: str = "",
    country: str = "",
    source: str = "store",
    **fields: Any,
) -> Customer:
    """A new profile. `email` and `phone` must already be normalised (customers.normalise)."""
    if not (email or phone):
        raise ValidationError(_("Give an e-mail address or a phone number."))
    customer_since = fields.pop("customer_since", None) or timezone.localdate()
    customer = Customer(
        brand=brand,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        language=language,
        country=country,
        customer_since=customer_since,
        **fields,
    )
    customer.field_sources = {
        name: source
        for name in ("first_name", "last_name", "email", "phone", "language", "country", *fields)
        if getattr(customer, name, None)
    }
    customer.full_clean(exclude=["brand", "home_store", "assigned_associate", "merged_into"])
    customer.save()
    search_terms_refresh(brand_id=brand.pk, customer_ids=[customer.pk], created=True)
    return customer


def customer_find_or_create(
    *,
    brand: Brand,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    source: str = "store",
    **fields: Any,
) -> tuple[Customer, bool]:
    """The brand's live profile with this e-mail or phone, else a new one, which needs a first and a last
    name. Returns (customer, created). `email` and `phone` must already be normalised."""
    from customers.selectors import customer_find

    found = customer_find(brand=brand, email=email, phone=phone)
    if found is not None:
        return found, False
    if not (first_name.strip() and last_name.strip()):
        raise ValidationError(
            {"first_name": [_("New customer: give the first and last name.")]}, code="customer_name_required"
        )
    customer = customer_create(
        brand=brand,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        source=source,
        **fields,
    )
    return customer, True


def consent_entry(
    *,
    brand: Brand,
    customer: Customer,
    channel: str,
    is_granted: bool,
    source: str,
    wording_version: str = "",
    store: Any = None,
    staff: Any = None,
    ip: str | None = None,
    is_confirmed: bool = False,
    purpose: str = "marketing",
    at: Any = None,
) -> Consent:
    """One entry of the consent ledger, not yet saved (consent_record saves one, consents_record many)."""
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel %(channel)s."), params={"channel": channel})
    return Consent(
        brand=brand,
        customer=customer,
        channel=channel,
        purpose=purpose,
        is_granted=is_granted,
        is_confirmed=is_confirmed,
        source=source,
        wording_version=wording_version,
        store=store,
        staff=staff if staff is not None and getattr(staff, "is_authenticated", False) else None,
        ip=ip,
        at=at or timezone.now(),
    )


def consent_record(**entry: Any) -> Consent:
    """Append one entry to the consent ledger (never updates an earlier one). Arguments: consent_entry's."""
    consent = consent_entry(**entry)
    consent.save(force_insert=True)
    return consent


def consents_record(entries: list[Consent]) -> list[Consent]:
    """Append several entries (built by consent_entry) to the ledger in one statement."""
    return Consent.objects.bulk_create(entries)


def consent_confirmation_token(*, customer: Customer) -> str:
    """A signed token for the double opt-in link of the registration e-mail."""
    return signing.dumps({"b": customer.brand_id, "c": customer.pk}, salt=CONFIRMATION_SALT, compress=True)


@transaction.atomic
def consent_confirm(*, brand: Brand, token: str, ip: str | None = None) -> Customer:
    """Confirm the e-mail and every channel granted so far (double opt-in). Idempotent.

    Raises ValidationError for a tampered, expired or foreign token.
    """
    from customers.selectors import consent_current, customer_get

    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError(_("This confirmation link is invalid or has expired.")) from None
    customer = (
        customer_get(brand=brand, customer_id=int(data.get("c", 0))) if data.get("b") == brand.pk else None
    )
    if customer is None:
        raise ValidationError(_("This confirmation link is invalid or has expired."))
    if customer.email_confirmed_at is None:
        customer.email_confirmed_at = timezone.now()
        customer.save(update_fields=["email_confirmed_at", "updated_at"])
    for channel, entry in consent_current(brand=brand, customer=customer).items():
        if entry is not None and entry.is_granted and not entry.is_confirmed:
            consent_record(
                brand=brand,
                customer=customer,
                channel=channel,
                is_granted=True,
                is_confirmed=True,
                source=ConsentSource.DOUBLE_OPT_IN,
                wording_version=entry.wording_version,
                ip=ip,
            )
    return customer


# --- Profile ------------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "gender",
    "family_situation",
    "wedding_anniversary",
    "address",
    "city",
    "postal_code",
    "country",
    "language",
    "preferred_channel",
    "tags",
    "notes",
    "home_store",
    "assigned_associate",
    "customer_since",
    "external_id",
)


def _clean_tags(tags: Any) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: dict[str, None] = {}
    for tag in tags or []:
        value = str(tag).strip()
        if value:
            seen.setdefault(value[:40], None)
    return list(seen)


@transaction.atomic
def customer_update(
    *,
    brand: Brand,
    customer: Customer,
    data: dict[str, Any],
    actor: Any = None,
    source: str = "staff",
) -> list[str]:
    """Change profile fields (e-mail and phone already normalised), remember where each value came from
    and audit which fields changed (names of fields only: the audit log keeps no personal values).
    Returns the names of the changed fields."""
    if customer.brand_id != brand.pk:
        raise ValidationError(_("Unknown customer."))
    changed = []
    for name, value in data.items():
        if name not in PROFILE_FIELDS:
            raise ValidationError(_("Unknown field %(name)s."), params={"name": name})
        if name == "tags":
            value = _clean_tags(value)
        if name in ("home_store", "assigned_associate"):
            if (getattr(customer, f"{name}_id")) != (getattr(value, "pk", None)):
                setattr(customer, name, value)
                changed.append(name)
            continue
        if value is None and name not in ("birth_date", "wedding_anniversary", "customer_since"):
            value = ""
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    if not changed:
        return []
    if not (customer.email or customer.phone or customer.is_pseudonymised):
        raise ValidationError(_("Give an e-mail address or a phone number."))
    sources = dict(customer.field_sources or {})
    for name in changed:
        sources[name] = source
    customer.field_sources = sources
    customer.full_clean(exclude=["brand", "home_store", "assigned_associate", "merged_into"])
    customer.save()
    if SEARCHED_FIELDS.intersection(changed):
        search_terms_refresh(brand_id=brand.pk, customer_ids=[customer.pk])
    from jewelcrm.accounts.services import audit_log_record

    audit_log_record(
        brand=brand, action="customer.update", actor=actor, obj=customer, data={"fields": sorted(changed)}
    )
    return changed


@transaction.atomic
def customer_mark_contacted(
    *, brand: Brand, customer: Customer, on: Any = None, actor: Any = None
) -> Customer:
    """The associate reached the customer (client book): resets the 'no contact' suggestion."""
    customer.last_contacted_on = on or timezone.localdate()
    customer.save(update_fields=["last_contacted_on", "updated_at"])
    return customer


# --- Relations (gift recipients) ----------------------------------------------------------------

RELATION_FIELDS = ("name", "kind", "birth_date", "anniversary", "email")


@transaction.atomic
def relation_save(
    *,
    brand: Brand,
    customer: Customer,
    data: dict[str, Any],
    relation: Any = None,
    actor: Any = None,
) -> Any:
    """Create (relation=None) or change a gift recipient of `customer`."""
    from customers.models import Relation

    if relation is None:
        relation = Relation(brand=brand, customer=customer)
    elif relation.customer_id != customer.pk or relation.brand_id != brand.pk:
        raise ValidationError(_("Unknown relation."))
    for name, value in data.items():
        if name not in RELATION_FIELDS:
            raise ValidationError(_("Unknown field %(name)s."), params={"name": name})
        setattr(relation, name, "" if value is None and name in ("name", "kind", "email") else value)
    relation.full_clean(exclude=["brand", "customer"])
    relation.save()
    from jewelcrm.accounts.services import audit_log_record

    audit_log_record(
        brand=brand,
        action="customer.relation_save",
        actor=actor,
        obj=customer,
        data={"relation_id": relation.pk},
    )
    return relation


@transaction.atomic
def relation_delete(*, brand: Brand, customer: Customer, relation: Any, actor: Any = None) -> None:
    if relation.customer_id != customer.pk or relation.brand_id != brand.pk:
        raise ValidationError(_("Unknown relation."))
    relation_id = relation.pk
    relation.delete()
    from jewelcrm.accounts.services import audit_log_record

    audit_log_record(
        brand=brand,
        action="customer.relation_delete",
        actor=actor,
        obj=customer,
        data={"relation_id": relation_id},
    )


# --- Consent ledger -----------------------------------------------------------------------------
# The ledger is append-only: there is deliberately no consent_update nor consent_delete. A change of
# mind is a new entry (consent_record / consent_withdraw); the current status is the latest entry.


def consent_withdraw(
    *,
    brand: Brand,
    customer: Customer,
    channel: str,
    source: str,
    purpose: str = "marketing",
    staff: Any = None,
    ip: str | None = None,
    wording_version: str = "",
) -> Consent:
    """Append a withdrawal: from now on marketing may not reach the person on this channel."""
    return consent_record(
        brand=brand,
        customer=customer,
        channel=channel,
        purpose=purpose,
        is_granted=False,
        source=source,
        staff=staff,
        ip=ip,
        wording_version=wording_version,
    )


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
    return order


def relation_gift_recipient_add(
    *,
    brand: Brand,
    customer: Customer,
    name: str,
    kind: str = "other",
    birth_date: Any = None,
    email: str = "",
    has_email_consent: bool = False,
    at: Any = None,
) -> Any:
    """The recipient of a gift bought by `customer`; their e-mail is kept only with their own consent."""
    from customers.models import Relation

    kept = email if has_email_consent else ""
    return Relation.objects.create(
        brand=brand,
        customer=customer,
        name=name.strip(),
        kind=kind or "other",
        birth_date=birth_date,
        email=kept,
        email_consent_at=(at or timezone.now()) if kept else None,
    )
