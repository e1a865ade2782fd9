"""The campaign engine's data about a person, for GDPR and merges (customers.holders): the rows that record
which journeys and campaigns chose them. Erasure scrubs the person out of each row's context and keeps the
row (the occasion stays sent once, and the results keep their counts); a merge moves the rows to the
survivor, keeping with the tombstone those the survivor already has for the same occasion."""

from __future__ import annotations

from campaigns.models import Recipient
from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    found.add(Recipient.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    return found


def erase(erasure: Erasure) -> None:
    rows = Recipient.objects.filter(brand=erasure.brand, customer_id__in=erasure.profile_ids)
    erasure.scrub_rows(rows.order_by("pk"))


def merge(merge: Merge) -> None:
    merge.move(Recipient, "customer", on_conflict="keep")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="campaigns",
        foreign_keys=("campaigns.Recipient.customer",),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
