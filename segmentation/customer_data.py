"""Segmentation's data about a person, for GDPR and merges (customers.holders). Scores and segment
memberships are derived data: erasure deletes them (the next run would find the erased profile without
purchases anyway); a merge moves them to the survivor, and drops those the survivor already has."""

from __future__ import annotations

from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand
from segmentation.models import CustomerScore, SegmentMember


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    found.add(CustomerScore.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    found.add(SegmentMember.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    return found


def erase(erasure: Erasure) -> None:
    erasure.delete(CustomerScore.objects.filter(brand=erasure.brand, customer_id__in=erasure.profile_ids))
    erasure.delete(SegmentMember.objects.filter(brand=erasure.brand, customer_id__in=erasure.profile_ids))


def merge(merge: Merge) -> None:
    merge.move(CustomerScore, "customer", on_conflict="drop")
    merge.move(SegmentMember, "customer", on_conflict="drop")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="segmentation",
        foreign_keys=("segmentation.CustomerScore.customer", "segmentation.SegmentMember.customer"),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
