from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from jewelcrm.billing.models import Plan, Subscription
from tests.factories import BrandScopedFactory


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    name_fr = factory.LazyAttribute(lambda o: f"Formule {o.code}")
    price_month = Decimal("99.00")
    price_year = Decimal("990.00")
    stripe_price_month = factory.LazyAttribute(lambda o: f"price_{o.code}_month")
    stripe_price_year = factory.LazyAttribute(lambda o: f"price_{o.code}_year")


class SubscriptionFactory(BrandScopedFactory):
    class Meta:
        model = Subscription

    status = "active"


def subscribed(brand: object, plan: Plan, *, status: str = "active", **fields: object) -> Subscription:
    """The brand subscribed to `plan` at Stripe (customer `cus_A`, subscription `sub_A`)."""
    subscription = SubscriptionFactory.create(
        brand=brand,
        status=status,
        plan=plan,
        stripe_customer_id="cus_A",
        stripe_subscription_id="sub_A",
        **fields,
    )
    return subscription
