"""Factories of the portal's models, and a helper that makes a sold, registered piece."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from tests.factories import BrandFactory, BrandScopedFactory, ProductFactory, StoreFactory
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Intervention, ItemEvent, Registration
from warranties.portal.models import Post, ServiceRequest


class RegistrationFactory(BrandScopedFactory):
    class Meta:
        model = Registration

    brand = factory.SubFactory(BrandFactory)
    item = factory.LazyAttribute(lambda o: ItemFactory(brand=o.brand, status="sold"))
    customer = factory.LazyAttribute(lambda o: CustomerFactory(brand=o.brand))
    store = factory.LazyAttribute(lambda o: StoreFactory(brand=o.brand))
    sold_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))
    price_paid = 1200
    currency = "EUR"
    warranty_starts_on = factory.LazyAttribute(lambda o: o.sold_on)
    warranty_ends_on = factory.LazyAttribute(lambda o: o.sold_on + timedelta(days=730))
    is_current = True


class ItemEventFactory(BrandScopedFactory):
    class Meta:
        model = ItemEvent

    brand = factory.SubFactory(BrandFactory)
    kind = "sold"
    is_public = True


class InterventionFactory(BrandScopedFactory):
    class Meta:
        model = Intervention

    brand = factory.SubFactory(BrandFactory)
    kind = "service"
    status = "returned"
    received_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    currency = "EUR"
    description = "Full service"


class PostFactory(BrandScopedFactory):
    class Meta:
        model = Post

    brand = factory.SubFactory(BrandFactory)
    kind = "news"
    title = factory.Sequence(lambda n: f"News {n}")
    body = "Text"
    is_published = True
    published_at = factory.LazyFunction(timezone.now)


class ServiceRequestFactory(BrandScopedFactory):
    class Meta:
        model = ServiceRequest

    brand = factory.SubFactory(BrandFactory)
    kind = "service"


def owned_item(
    *,
    brand: Any,
    customer: Any = None,
    store: Any = None,
    product: Any = None,
    sold_on: date | None = None,
    **item_fields: Any,
) -> Any:
    """A piece sold at `store` to `customer`: item (sold, owner), current registration, public event."""
    customer = customer or CustomerFactory(brand=brand)
    store = store or StoreFactory(brand=brand, city="Lyon")
    product = product or ProductFactory(brand=brand)
    item_fields.setdefault("status", "sold")
    item = ItemFactory(brand=brand, product=product, owner=customer, current_store=store, **item_fields)
    registration = RegistrationFactory(
        brand=brand, item=item, customer=customer, store=store, **({"sold_on": sold_on} if sold_on else {})
    )
    ItemEventFactory(
        brand=brand, item=item, kind="sold", store=store, data={"month": str(registration.sold_on)[:7]}
    )
    return item


def store_transfer_with_code(*, brand: Any, item: Any, store: Any, email: str, actor: Any = None) -> Any:
    """A store records a change of owner with the owner's consent: the owner's own transfer code.
    Call inside brand_context(brand)."""
    from warranties.portal import services

    _transfer, code = services.transfer_start(brand=brand, item=item, customer=item.owner, kind="sale")
    return services.transfer_record_in_store(
        brand=brand, item=item, store=store, actor=actor, email=email, owner_code=code
    )
