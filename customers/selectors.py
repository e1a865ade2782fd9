"""Reads of customers and their consents."""

from __future__ import annotations

from django.db.models import QuerySet

from customers.models import Channel, Consent, Customer
from jewelcrm.accounts.models import Brand


def customer_get(*, brand: Brand, customer_id: int) -> Customer | None:
    return Customer.objects.filter(brand=brand, pk=customer_id, merged_into__isnull=True).first()


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


def consent_current(*, brand: Brand, customer: Customer, purpose: str = "marketing") -> dict[str, Consent | None]:
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
