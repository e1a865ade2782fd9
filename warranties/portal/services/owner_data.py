"""My data: the owner edits their own profile and marketing consents."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "address",
    "city",
    "postal_code",
    "country",
    "language",
)


@transaction.atomic
def customer_update_own(
    *, brand: Brand, customer: Customer, ip: str | None = None, **fields: Any
) -> Customer:
    """The owner confirms or corrects their own data from the portal."""
    changed = []
    for name in EDITABLE_FIELDS:
        if name in fields and getattr(customer, name) != fields[name]:
            setattr(customer, name, fields[name])
            customer.field_sources[name] = "portal"
            changed.append(name)
    if changed:
        customer.save(update_fields=[*changed, "field_sources", "updated_at"])
        audit_log_record(
            brand=brand, action="customer.portal_update", obj=customer, ip=ip, data={"fields": changed}
        )
    return customer


def consents_set(*, brand: Brand, customer: Customer, wanted: dict[str, bool], ip: str | None = None) -> int:
    """Grant or withdraw consents per channel; writes ledger entries only for what changed."""
    from customers.selectors import consent_current
    from customers.services import consent_record

    written = 0
    with transaction.atomic():
        current = consent_current(brand=brand, customer=customer)
        for channel, is_granted in wanted.items():
            entry = current.get(channel)
            if (entry.is_granted if entry is not None else False) == is_granted and entry is not None:
                continue
            if entry is None and not is_granted:
                continue
            consent_record(
                brand=brand,
                customer=customer,
                channel=channel,
                is_granted=is_granted,
                source="portal",
                ip=ip,
                is_confirmed=bool(customer.email_confirmed_at) if is_granted else False,
                wording_version="portal-1",
            )
            written += 1
    return written
