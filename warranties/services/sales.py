"""The sale of a piece at the counter or through the API: the registration, its customer and consents."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel, ConsentSource, Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.currencies import currency_normalise
from warranties.inventory.models import Item, ItemStatus
from warranties.models import Registration
from warranties.selectors import item_lock
from warranties.services.items import (
    CURRENCY_UNKNOWN,
    FLAGGED_STATUSES,
    ITEM_ALREADY_SOLD,
    ITEM_FLAGGED,
    ITEM_UNAVAILABLE,
    item_event_add,
    item_not_found_error,
)

# The version of the consent wording the associate reads out at the counter; bump it with the text.
CONSENT_WORDING_VERSION = "2026-01"
MARKETING_CHANNELS: tuple[str, ...] = tuple(Channel.values)
REGISTRABLE_STATUSES = frozenset({ItemStatus.IN_STOCK, ItemStatus.IN_TRANSIT})
ALERT_DEDUPE_SECONDS = 600


@dataclass(frozen=True)
class CustomerInput:
    """A new customer typed at the counter. `email` and `phone` are already normalised."""

    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    language: str = ""
    country: str = ""


@dataclass(frozen=True)
class GiftInput:
    recipient_name: str
    relation: str = "other"
    occasion: str = ""
    birthday: date | None = None
    email: str = ""
    has_email_consent: bool = False  # the recipient's own consent to store their e-mail


def request_fingerprint(payload: Any) -> str:
    """A stable hash of an API request body: the same key with another body is a conflict (409)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def warranty_end(*, start: date, months: int) -> date:
    return start + relativedelta(months=months) - relativedelta(days=1)


def _registration_by_key(key: str) -> Registration | None:
    if not key:
        return None
    # No ORDER BY: the (brand, idempotency_key) unique index answers directly.
    return next(iter(Registration.objects.filter(idempotency_key=key).order_by()[:1]), None)


def item_check_registrable(item: Item, *, has_current_registration: bool | None = None) -> None:
    if item.status in FLAGGED_STATUSES:
        raise ValidationError(
            _(
                "This piece has been reported lost or stolen. It cannot be registered; "
                "the brand has been alerted."
            ),
            code=ITEM_FLAGGED,
        )
    if has_current_registration is None:
        has_current_registration = Registration.objects.filter(item=item, is_current=True).exists()
    if item.status == ItemStatus.SOLD or has_current_registration:
        raise ValidationError(
            _(
                "This piece is already registered to an owner. "
                "To change its owner, use an ownership transfer."
            ),
            code=ITEM_ALREADY_SOLD,
        )
    if item.status not in REGISTRABLE_STATUSES:
        raise ValidationError(
            _("This piece cannot be sold in its current state (%(status)s)."),
            params={"status": item.get_status_display()},
            code=ITEM_UNAVAILABLE,
        )


def registration_create(
    *,
    brand: Brand,
    store: Any,
    customer: CustomerInput,
    price_paid: Decimal,
    currency: str,
    item: Item | None = None,
    item_query: str = "",
    gift: GiftInput | None = None,
    consents: frozenset[str] | set[str] | tuple[str, ...] = (),
    associate: Any = None,
    sold_on: date | None = None,
    idempotency_key: str = "",
    fingerprint: str = "",
    ip: str | None = None,
) -> tuple[Registration, bool]:
    """Register the sale of a piece in `store`: the one sale of the intranet form and the API.

    The piece is `item`, or the one whose serial or public code is `item_query`; it is read here, under
    a row lock. The customer is found by e-mail or phone, or created (customers.services). The rules:
    a lost or stolen piece is refused and the brand alerted; a sold piece is refused (transfer it
    instead); a gift keeps its recipient's e-mail only with their consent; consents are recorded per
    channel, unticked boxes only for a new customer. Writes the registration, the order, the item sold
    and its timeline, in one transaction.

    Returns (registration, created). A known idempotency key returns the registration it created,
    never a second one. Raises ValidationError (with a code) and writes nothing else on bad input.
    """
    from warranties.selectors import item_find

    key = (idempotency_key or "").strip()[:80]
    code = currency_normalise(currency)
    if code is None:
        raise ValidationError(
            {"currency": [_("“%(value)s” is not an ISO 4217 currency code.") % {"value": currency}]},
            code=CURRENCY_UNKNOWN,
        )
    if price_paid is None or Decimal(price_paid) < 0:
        raise ValidationError({"price_paid": [_("The price cannot be negative.")]}, code="invalid_price")
    if sold_on is not None and sold_on > timezone.localdate():
        raise ValidationError(
            {"sold_on": [_("The date of sale cannot be in the future.")]}, code="invalid_date"
        )
    unknown_channels = set(consents) - set(MARKETING_CHANNELS)
    if unknown_channels:
        raise ValidationError(_("Unknown consent channel."), code="invalid_channel")
    flagged: tuple[Item, ValidationError] | None = None
    try:
        with transaction.atomic():
            # The row lock serialises two sales of the same piece; the key is checked again under it.
            if item is not None:
                locked = item_lock(item_id=item.pk)
            else:
                found_item = item_find(brand=brand, query=item_query, for_update=True)
                if found_item is None:
                    raise item_not_found_error()
                locked = found_item
            # One query for both: a registration made with this key, and a current one of this piece.
            condition = Q(item=locked, is_current=True) | (Q(idempotency_key=key) if key else Q(pk__in=[]))
            found = list(Registration.objects.filter(condition).order_by())
            existing = next((r for r in found if key and r.idempotency_key == key), None)
            if existing is not None:
                return existing, False
            try:
                item_check_registrable(
                    locked,
                    has_current_registration=any(r.item_id == locked.pk and r.is_current for r in found),
                )
            except ValidationError as error:
                if error.code != ITEM_FLAGGED:
                    raise
                flagged = (locked, error)
            else:
                registration = _registration_write(
                    brand=brand,
                    store=store,
                    item=locked,
                    price_paid=Decimal(price_paid),
                    currency=code,
                    customer=customer,
                    gift=gift,
                    consents=set(consents),
                    associate=associate,
                    sold_on=sold_on,
                    key=key,
                    fingerprint=fingerprint,
                    ip=ip,
                )
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its registration.
        existing = _registration_by_key(key)
        if existing is None:
            raise
        return existing, False
    if flagged is not None:
        # Refused, and traced: the attempt is audited and the brand alerted, in a transaction of its own.
        item_flagged_sale_attempt(brand=brand, item=flagged[0], store=store, actor=associate, ip=ip)
        raise flagged[1]
    return registration, True


def _registration_write(
    *,
    brand: Brand,
    store: Any,
    item: Item,
    price_paid: Decimal,
    currency: str,
    customer: CustomerInput,
    gift: GiftInput | None,
    consents: set[str],
    associate: Any,
    sold_on: date | None,
    key: str,
    fingerprint: str,
    ip: str | None,
) -> Registration:
    from customers import services as customer_services
    from warranties.inventory.selectors import item_grey_market_reason

    staff = associate if associate is not None and getattr(associate, "pk", None) else None
    owner, is_new_customer = customer_services.customer_find_or_create(
        brand=brand,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        country=customer.country or str(store.country or ""),
        source="store",
        home_store=store,
        **({"assigned_associate": staff} if staff is not None else {}),
    )
    now = timezone.now()
    sold_on = sold_on or timezone.localdate()
    product = item.product
    order = customer_services.order_record_sale(
        brand=brand,
        customer=owner,
        store=store,
        product=product,
        serial=item.serial,
        price=price_paid,
        currency=currency,
        at=now,
        sold_on=sold_on,
    )
    relation = None
    if gift is not None:
        relation = customer_services.relation_gift_recipient_add(
            brand=brand,
            customer=owner,
            name=gift.recipient_name,
            kind=gift.relation,
            birth_date=gift.birthday,
            email=gift.email,
            has_email_consent=gift.has_email_consent,
            at=now,
        )
    reason = item_grey_market_reason(item=item, store=store)
    registration = Registration.objects.create(
        brand=brand,
        item=item,
        customer=owner,
        store=store,
        associate=staff,
        order=order,
        sold_on=sold_on,
        registered_at=now,
        price_paid=price_paid,
        currency=currency,
        is_gift=gift is not None,
        gift_recipient_name=relation.name if relation else "",
        gift_relation=relation.kind if relation else "",
        gift_occasion=(gift.occasion if gift else "")[:32],
        gift_recipient=relation,
        warranty_starts_on=sold_on,
        warranty_ends_on=warranty_end(start=sold_on, months=product.warranty_months),
        is_grey_market=bool(reason),
        grey_market_reason=(reason or "")[:200],
        idempotency_key=key,
        idempotency_fingerprint=fingerprint,
        is_current=True,
    )
    item.status = ItemStatus.SOLD
    item.owner = owner
    item.current_store = store
    item.save(update_fields=["status", "owner", "current_store", "updated_at"])
    item_event_add(
        brand=brand,
        item=item,
        kind="sold",
        at=now,
        store=store,
        actor=staff,
        is_public=True,
        data={"month": sold_on.strftime("%Y-%m"), "city": store.city, "country": str(store.country or "")},
    )
    if reason:
        item_event_add(
            brand=brand,
            item=item,
            kind="grey_market",
            at=now,
            store=store,
            actor=staff,
            data={"reason": reason},
        )
    # Unticked boxes are recorded for a new customer (a refusal at the counter) but never overwrite an
    # existing customer's earlier choice.
    customer_services.consents_record(
        [
            customer_services.consent_entry(
                brand=brand,
                customer=owner,
                channel=channel,
                is_granted=channel in consents,
                source=ConsentSource.STORE,
                wording_version=CONSENT_WORDING_VERSION,
                store=store,
                staff=staff,
                ip=ip,
                at=now,
            )
            for channel in MARKETING_CHANNELS
            if channel in consents or is_new_customer
        ]
    )
    audit_log_record(
        brand=brand,
        action="registration.create",
        actor=staff,
        obj=registration,
        ip=ip,
        data={"item": item.serial, "store": store.code, "grey_market": bool(reason)},
    )
    # The double opt-in e-mail, in the send log with the sale: sent once, after the commit.
    from warranties.emails import registration_email_record

    registration_email_record(brand=brand, registration=registration, customer=owner)
    return registration


@transaction.atomic
def item_flagged_sale_attempt(
    *, brand: Brand, item: Item, store: Any, actor: Any = None, ip: str | None = None
) -> None:
    """A store tried to sell (or scanned for sale) a piece reported lost or stolen: trace it and alert the
    brand. Every attempt is audited; the e-mail to owners and admins goes once per piece and store per
    ALERT_DEDUPE_SECONDS, so a scan followed by a submit does not alert twice."""
    staff = actor if actor is not None and getattr(actor, "pk", None) else None
    audit_log_record(
        brand=brand,
        action="item.flagged_sale_attempt",
        actor=staff,
        obj=item,
        ip=ip,
        data={"serial": item.serial, "status": item.status, "store": getattr(store, "code", "")},
    )
    item_event_add(
        brand=brand,
        item=item,
        kind="flagged_sale_attempt",
        store=store,
        actor=staff,
        data={"status": item.status, "store": getattr(store, "code", "")},
    )

    from warranties.emails import flagged_item_alert_record

    flagged_item_alert_record(brand=brand, item=item, store=store, window_seconds=ALERT_DEDUPE_SECONDS)


def customer_lookup_audit(
    *, brand: Brand, customer: Customer, store: Any, actor: Any, query_kind: str, ip: str | None = None
) -> None:
    """A store looked up a customer who is not its own: the sensitive read is audited."""
    audit_log_record(
        brand=brand,
        action="customer.lookup_foreign",
        actor=actor,
        obj=customer,
        ip=ip,
        data={"store": getattr(store, "code", ""), "by": query_kind},
    )
