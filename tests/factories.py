"""Factories of the platform models. Brand-owned factories scope their own writes to the row's brand.

Domain apps keep their factories in `<app>/tests/factories.py`, built on BrandScopedFactory.
"""

from __future__ import annotations

import random
from typing import Any

import factory
from factory.django import DjangoModelFactory

from jewelcrm.accounts.models import Brand, Membership, User
from jewelcrm.catalog.models import Product
from jewelcrm.retail.models import Retailer, Store
from jewelcrm.tenancy.context import brand_context

CODE_SYMBOLS = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"  # Crockford's base32, as public codes use


class BrandScopedFactory(DjangoModelFactory):
    """Creates the row inside brand_context(row's brand), through the unscoped manager."""

    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class: Any) -> Any:
        return model_class.unscoped

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with brand_context(kwargs["brand"]):
            return super()._create(model_class, *args, **kwargs)

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create and results:
            with brand_context(instance.brand_id):
                instance.save()


class BrandFactory(DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    # Random (Crockford letters and digits): a brand left by a test that committed never collides.
    code_prefix = factory.LazyFunction(lambda: "".join(random.choices(CODE_SYMBOLS, k=4)))
    default_currency = "EUR"
    languages = factory.LazyFunction(lambda: ["fr", "en"])


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = False

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")


class RetailerFactory(BrandScopedFactory):
    class Meta:
        model = Retailer

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Retailer {n}")


class StoreFactory(BrandScopedFactory):
    class Meta:
        model = Store

    brand = factory.SubFactory(BrandFactory)
    retailer = factory.LazyAttribute(lambda o: RetailerFactory(brand=o.brand))
    code = factory.Sequence(lambda n: f"ST-{n:03d}")
    name = factory.Sequence(lambda n: f"Store {n}")
    type = "boutique"
    city = "Paris"
    country = "FR"
    currency = "EUR"
    time_zone = "Europe/Paris"
    market = "FR"


class MembershipFactory(BrandScopedFactory):
    class Meta:
        model = Membership

    brand = factory.SubFactory(BrandFactory)
    user = factory.SubFactory(UserFactory)
    role = "owner"
    store = None


class ProductFactory(BrandScopedFactory):
    class Meta:
        model = Product

    brand = factory.SubFactory(BrandFactory)
    reference = factory.Sequence(lambda n: f"REF-{n:04d}")
    name_en = factory.Sequence(lambda n: f"Ring {n}")
    name_fr = factory.Sequence(lambda n: f"Bague {n}")
    collection = "Aurore"
    category = "ring"
    price = 1200
    currency = "EUR"
    warranty_months = 24
    service_interval_months = 24


class MessageFactory(BrandScopedFactory):
    """A sign-in e-mail of the owner portal in the send log, waiting to be sent."""

    class Meta:
        model = "messaging.Message"

    brand = factory.SubFactory(BrandFactory)
    key = factory.Sequence(lambda n: f"sign-in:{n}")
    kind = "portal.sign_in"
    to = factory.Sequence(lambda n: f"owner{n}@example.test")
    language = "en"
    context = factory.LazyFunction(
        lambda: {
            "template": "sign_in",
            "context": {"brand_name": "Maison", "url": "https://x.test/l", "minutes": 10},
        }
    )
