"""Factories of the warranty models (registrations, interventions, claims, timeline events)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from tests.factories import BrandFactory, BrandScopedFactory, StoreFactory
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Intervention, ItemEvent, Registration, WarrantyClaim


class RegistrationFactory(BrandScopedFactory):
    class Meta:
        model = Registration

    brand = factory.SubFactory(BrandFactory)
    store = factory.LazyAttribute(lambda o: StoreFactory(brand=o.brand))
    item = factory.LazyAttribute(lambda o: ItemFactory(brand=o.brand, current_store=o.store, status="sold"))
    customer = factory.LazyAttribute(lambda o: CustomerFactory(brand=o.brand, home_store=o.store))
    sold_on = factory.LazyFunction(timezone.localdate)
    price_paid = Decimal("1200.00")
    currency = "EUR"
    warranty_starts_on = factory.LazyAttribute(lambda o: o.sold_on)
    warranty_ends_on = factory.LazyAttribute(lambda o: o.sold_on.replace(year=o.sold_on.year + 2))
    is_current = True


class InterventionFactory(BrandScopedFactory):
    class Meta:
        model = Intervention

    brand = factory.SubFactory(BrandFactory)
    store = factory.LazyAttribute(lambda o: StoreFactory(brand=o.brand))
    item = factory.LazyAttribute(lambda o: ItemFactory(brand=o.brand, current_store=o.store, status="sold"))
    kind = "repair"
    received_on = factory.LazyFunction(timezone.localdate)
    labour_cost = Decimal("80.00")
    parts_cost = Decimal("20.00")
    currency = "EUR"
    is_under_warranty = True


class WarrantyClaimFactory(BrandScopedFactory):
    class Meta:
        model = WarrantyClaim

    brand = factory.SubFactory(BrandFactory)
    intervention = factory.LazyAttribute(lambda o: InterventionFactory(brand=o.brand))
    store = factory.LazyAttribute(lambda o: o.intervention.store)
    labour_amount = Decimal("80.00")
    parts_amount = Decimal("20.00")
    currency = "EUR"


class ItemEventFactory(BrandScopedFactory):
    class Meta:
        model = ItemEvent

    brand = factory.SubFactory(BrandFactory)
    item = factory.LazyAttribute(lambda o: ItemFactory(brand=o.brand))
    kind = "note"
