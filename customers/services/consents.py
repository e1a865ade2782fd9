"""The consent ledger: append-only entries, the double opt-in confirmation, withdrawal.

The ledger is append-only: there is deliberately no consent_update nor consent_delete. A change of mind
is a new entry (consent_record / consent_withdraw); the current status is the latest entry.
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
from jewelcrm.accounts.models import Brand

CONFIRMATION_SALT = "customers.consent-confirmation"
CONFIRMATION_MAX_AGE = timedelta(days=30)


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
