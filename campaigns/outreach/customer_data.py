"""Associate outreach's data about a person, for GDPR and merges (customers.holders): their tasks. Erasure
blanks the free text (detail, note) and scrubs the person's names out of the title; the task and its
outcome stay for the store's counts. A merge moves the tasks to the survivor."""

from __future__ import annotations

from campaigns.outreach.models import OutreachTask
from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    found.add(OutreachTask.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    return found


def erase(erasure: Erasure) -> None:
    rows = OutreachTask.objects.filter(brand=erasure.brand, customer_id__in=erasure.profile_ids)
    erasure.scrub_rows(rows.order_by("pk"), blank=OutreachTask.personal_fields)


def merge(merge: Merge) -> None:
    merge.move(OutreachTask, "customer")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="campaign_outreach",
        foreign_keys=("campaign_outreach.OutreachTask.customer",),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
