"""Campaign delivery's data about a person, for GDPR (customers.holders): the suppression list and the
provider's events name addresses, not customers. Erasure keeps a suppressed address only as its SHA-256,
so it stays suppressed if the person is imported again, and blanks the events' texts that name it
(`services.suppression_erase`). Nothing to merge: rows follow the address, not the profile."""

from __future__ import annotations

from campaigns.delivery.models import Suppression
from campaigns.delivery.selectors import email_key
from campaigns.delivery.services import suppression_erase
from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand


def collect(brand: Brand, ids: list[int]) -> Collected:
    from customers.selectors import customer_emails

    found = Collected()
    emails = [email_key(e) for e in customer_emails(brand=brand, customer_ids=ids)]
    if emails:
        found.add(Suppression.objects.filter(brand=brand, email__in=emails).order_by("pk"))
    return found


def erase(erasure: Erasure) -> None:
    emails = [value for value in erasure.needles if "@" in value]
    for label, count in suppression_erase(brand=erasure.brand, emails=emails).items():
        erasure.changed[label] = erasure.changed.get(label, 0) + count


def merge(merge: Merge) -> None:
    """Nothing to move (see the module docstring)."""


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="campaign_delivery",
        foreign_keys=(),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
