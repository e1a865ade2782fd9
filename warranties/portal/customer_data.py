"""The owner portal's data about a person, for GDPR and merges (customers.holders): sign-in links, event
answers, service requests, transfers (from or to them), store requests awaiting their approval, and the
look-ups and found reports of their pieces."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand
from warranties.inventory.models import Item
from warranties.portal.models import (
    FoundReport,
    LoginLink,
    OwnerApproval,
    PublicLookup,
    Rsvp,
    ServiceRequest,
    Transfer,
)


def _level1(brand: Brand, ids: list[int]) -> list[tuple[QuerySet[Any], tuple[str, ...]]]:
    """(rows, columns blanked on erasure) per model."""
    return [
        (LoginLink.objects.filter(brand=brand, customer_id__in=ids), LoginLink.personal_fields),
        (Rsvp.objects.filter(brand=brand, customer_id__in=ids), ()),
        (ServiceRequest.objects.filter(brand=brand, customer_id__in=ids), ServiceRequest.personal_fields),
        (
            Transfer.objects.filter(brand=brand).filter(
                Q(from_customer_id__in=ids) | Q(to_customer_id__in=ids)
            ),
            (),
        ),
        (OwnerApproval.objects.filter(brand=brand, customer_id__in=ids), OwnerApproval.personal_fields),
    ]


def _level2(brand: Brand, ids: list[int]) -> list[QuerySet[Any]]:
    items = Item.objects.filter(brand=brand, owner_id__in=ids)
    return [
        PublicLookup.objects.filter(brand=brand, item__in=items),
        FoundReport.objects.filter(brand=brand, item__in=items),
    ]


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    for rows, _blank in _level1(brand, ids):
        found.add(rows.order_by("pk"))
    for rows in _level2(brand, ids):
        found.add(rows.order_by("pk"), level=2)
    return found


def erase(erasure: Erasure) -> None:
    for rows, blank in _level1(erasure.brand, erasure.profile_ids):
        erasure.scrub_rows(rows.order_by("pk"), blank=blank)
    for rows in _level2(erasure.brand, erasure.profile_ids):
        erasure.scrub_rows(rows.order_by("pk"))


def merge(merge: Merge) -> None:
    merge.move(LoginLink, "customer")
    merge.move(OwnerApproval, "customer")
    merge.move(Rsvp, "customer")  # one answer per person and event: a clash stays with the tombstone
    merge.move(ServiceRequest, "customer")
    merge.move(Transfer, "from_customer")
    merge.move(Transfer, "to_customer")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="portal",
        foreign_keys=(
            "portal.LoginLink.customer",
            "portal.Rsvp.customer",
            "portal.ServiceRequest.customer",
            "portal.Transfer.from_customer",
            "portal.Transfer.to_customer",
            "portal.OwnerApproval.customer",
        ),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
