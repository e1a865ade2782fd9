"""The pieces a person owns, and their stock movements, for GDPR and merges (customers.holders)."""

from __future__ import annotations

from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand
from warranties.inventory.models import Item, StockMovement


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    items = list(Item.objects.filter(brand=brand, owner_id__in=ids).order_by("pk"))
    found.add(items)
    found.add(StockMovement.objects.filter(brand=brand, item__in=items).order_by("pk"), level=2)
    return found


def erase(erasure: Erasure) -> None:
    # The piece stays the person's (under the pseudonym): its history is the brand's.
    items = Item.objects.filter(brand=erasure.brand, owner_id__in=erasure.profile_ids).order_by("pk")
    erasure.scrub_rows(items)
    erasure.scrub_rows(StockMovement.objects.filter(brand=erasure.brand, item__in=items).order_by("pk"))


def merge(merge: Merge) -> None:
    merge.move(Item, "owner")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="inventory",
        foreign_keys=("inventory.Item.owner",),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
