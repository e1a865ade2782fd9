"""The customer demo seeder: realistic, small in tests, idempotent."""

import random
from datetime import date

import pytest

from customers import demo
from customers.models import Consent, Customer, Order, OrderLine, Relation
from customers.normalise import email_normalise, phone_normalise
from jewelcrm.demo import DemoContext
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_small_demo_is_realistic_and_idempotent(brand):
    stores = {s.code: s for s in (StoreFactory(brand=brand), StoreFactory(brand=brand, type="eshop"))}
    ctx = DemoContext(
        brand=brand,
        profile={},
        size="small",
        rng=random.Random(7),
        today=date(2026, 11, 23),
        shared={"stores": stores},
    )
    with brand_context(brand):
        demo.seed(ctx)
        counts = [Model.objects.count() for Model in (Customer, Relation, Consent, Order, OrderLine)]
        demo.seed(ctx)
        assert [Model.objects.count() for Model in (Customer, Relation, Consent, Order, OrderLine)] == counts
        assert len(ctx.shared["customer_ids"]) == 40
        assert counts[0] == 40 + 1  # and one likely duplicate
        for customer in Customer.objects.all():
            assert customer.email == email_normalise(customer.email)
            assert customer.phone == phone_normalise(customer.phone)
            assert customer.email or customer.phone
            assert customer.home_store_id in {s.pk for s in stores.values()}
        assert Consent.objects.filter(is_confirmed=True).exists()
        assert set(Order.objects.values_list("source", flat=True)) == {"erp", "eshop"}
        assert not Order.objects.filter(total_brand_currency__isnull=True).exists()
