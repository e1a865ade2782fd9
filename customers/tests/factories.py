from datetime import UTC, datetime
from decimal import Decimal

import factory

from customers.models import Consent, Customer, Order, OrderLine, Relation
from tests.factories import BrandFactory, BrandScopedFactory


class CustomerFactory(BrandScopedFactory):
    class Meta:
        model = Customer

    brand = factory.SubFactory(BrandFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    phone = factory.Sequence(lambda n: f"+336{12000000 + n:08d}")
    language = "fr"
    country = "FR"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Like the customer services, write the profile's search terms (customers.search_terms)."""
        from customers.search_terms import search_terms_refresh
        from jewelcrm.tenancy.context import brand_context

        customer = super()._create(model_class, *args, **kwargs)
        with brand_context(customer.brand_id):
            search_terms_refresh(brand_id=customer.brand_id, customer_ids=[customer.pk])
        return customer


class RelationFactory(BrandScopedFactory):
    class Meta:
        model = Relation

    brand = factory.SubFactory(BrandFactory)
    customer = factory.LazyAttribute(lambda o: CustomerFactory(brand=o.brand))
    name = factory.Faker("first_name")
    kind = "spouse"


class ConsentFactory(BrandScopedFactory):
    class Meta:
        model = Consent

    brand = factory.SubFactory(BrandFactory)
    customer = factory.LazyAttribute(lambda o: CustomerFactory(brand=o.brand))
    channel = "email"
    purpose = "marketing"
    is_granted = True
    is_confirmed = True
    source = "store"
    wording_version = "2026-01"


class OrderFactory(BrandScopedFactory):
    class Meta:
        model = Order

    brand = factory.SubFactory(BrandFactory)
    source = "erp"
    external_id = factory.Sequence(lambda n: f"ORD-{n:05d}")
    customer = factory.LazyAttribute(lambda o: CustomerFactory(brand=o.brand))
    ordered_at = factory.LazyFunction(lambda: datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    currency = "EUR"
    total = Decimal("1200.00")
    total_brand_currency = Decimal("1200.00")


class OrderLineFactory(BrandScopedFactory):
    class Meta:
        model = OrderLine

    brand = factory.SubFactory(BrandFactory)
    order = factory.LazyAttribute(lambda o: OrderFactory(brand=o.brand))
    sku = "BA-1009"
    name = "Bague Aurore"
    quantity = 1
    unit_price = Decimal("1200.00")
    total = Decimal("1200.00")
