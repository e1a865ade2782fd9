"""Ad audiences' data about a person, for GDPR and merges (customers.holders): their rows in past exports,
which hold only SHA-256 hashes of their identifiers. Erasure keeps them on purpose: an erased profile never
qualifies again, so the next export lists those hashes to remove from the ad platform, which it could not
do without them. A merge moves the rows to the survivor (those the survivor already has stay put)."""

from __future__ import annotations

from campaigns.audiences.models import AudienceExportMember
from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    found.add(AudienceExportMember.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    return found


def erase(erasure: Erasure) -> None:
    """Nothing to scrub: the rows hold hashes only, kept until the next export removes them (above)."""


def merge(merge: Merge) -> None:
    merge.move(AudienceExportMember, "customer", on_conflict="keep")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="campaign_audiences",
        foreign_keys=("campaign_audiences.AudienceExportMember.customer",),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
