"""Warranties' data about a person, for GDPR and merges (customers.holders).

The timeline rules: a registration, an intervention, a claim and a piece's events are the brand's record
of the piece and stay, under the person's pseudonym; erasure blanks the gift recipient's name and scrubs
the person's names, e-mails and phones out of their texts. The rows concerned are those of the person's
registrations (current or past owner) and of the pieces they own.
"""

from __future__ import annotations

from django.db.models import Q

from customers.holders import Collected, CustomerDataHolder, Erasure, Merge, customer_data_holder
from jewelcrm.accounts.models import Brand
from warranties.models import Intervention, ItemEvent, Registration, WarrantyClaim


def _item_ids(brand: Brand, ids: list[int]) -> list[int]:
    from warranties.inventory.models import Item

    owned = Item.objects.filter(brand=brand, owner_id__in=ids).values_list("pk", flat=True)
    registered = Registration.objects.filter(brand=brand, customer_id__in=ids).values_list(
        "item_id", flat=True
    )
    return sorted({*owned, *registered})


def collect(brand: Brand, ids: list[int]) -> Collected:
    found = Collected()
    found.add(Registration.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"))
    items = _item_ids(brand, ids)
    interventions = list(Intervention.objects.filter(brand=brand, item_id__in=items).order_by("pk"))
    found.add(interventions, level=2)
    found.add(
        WarrantyClaim.objects.filter(brand=brand, intervention__in=interventions).order_by("pk"), level=2
    )
    found.add(ItemEvent.objects.filter(brand=brand, item_id__in=items).order_by("pk"), level=2)
    return found


def erase(erasure: Erasure) -> None:
    brand, ids = erasure.brand, erasure.profile_ids
    items = _item_ids(brand, ids)
    erasure.scrub_rows(
        Registration.objects.filter(brand=brand, customer_id__in=ids).order_by("pk"),
        blank=Registration.personal_fields,
    )
    erasure.scrub_rows(Intervention.objects.filter(brand=brand, item_id__in=items).order_by("pk"))
    erasure.scrub_rows(
        WarrantyClaim.objects.filter(brand=brand).filter(Q(intervention__item_id__in=items)).order_by("pk")
    )
    erasure.scrub_rows(ItemEvent.objects.filter(brand=brand, item_id__in=items).order_by("pk"))


def merge(merge: Merge) -> None:
    merge.move(Registration, "customer")


HOLDER = customer_data_holder(
    CustomerDataHolder(
        app_label="warranties",
        foreign_keys=("warranties.Registration.customer",),
        collect=collect,
        erase=erase,
        merge=merge,
    )
)
