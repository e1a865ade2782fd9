import random
from datetime import date

import pytest

from jewelcrm import demo
from jewelcrm.catalog import demo as catalog_demo
from jewelcrm.catalog.models import Product
from jewelcrm.retail import demo as retail_demo
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory
from warranties.inventory import demo as inventory_demo
from warranties.inventory.codes import public_code_normalise
from warranties.inventory.models import Item, ItemStatus, StockMovement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("profile", demo.BRANDS, ids=[p["slug"] for p in demo.BRANDS])
def test_small_demo_is_consistent_and_idempotent(profile):
    brand = BrandFactory(
        slug=profile["slug"],
        name=profile["name"],
        code_prefix=profile["code_prefix"],
        time_zone=profile["time_zone"],
    )
    ctx = demo.DemoContext(
        brand=brand, profile=profile, size="small", rng=random.Random(7), today=date(2026, 11, 23)
    )
    with brand_context(brand):
        for module in (retail_demo, catalog_demo, inventory_demo):
            module.seed(ctx)
        products = Product.objects.count()
        items = list(Item.objects.all())
        assert len(items) == inventory_demo.SIZES["small"]
        assert 25 <= products <= 55
        assert len({i.public_code for i in items}) == len(items)
        assert all(public_code_normalise(i.public_code) == i.public_code for i in items)
        assert all(i.public_code.startswith(profile["code_prefix"] + "-") for i in items)
        in_stock = ctx.shared["items_in_stock"]
        assert in_stock and set(in_stock) == {
            i.pk for i in items if i.status == ItemStatus.IN_STOCK and i.current_store_id is not None
        }
        # Every item in a store got there by a received movement to that store.
        for item in items:
            last = StockMovement.objects.filter(item=item).order_by("-sent_at").first()
            if item.current_store_id is None:
                assert last is None
            else:
                assert last.to_store_id == item.current_store_id
                assert (last.received_at is None) == (item.status == ItemStatus.IN_TRANSIT)
        # A few shipments wait at the flagship, whose staff the demo signs in as.
        flagship = next(iter(ctx.shared["stores"].values()))
        assert StockMovement.objects.filter(to_store=flagship, received_at__isnull=True).count() >= 3
        if profile["kind"] == "watches":
            assert set(Product.objects.values_list("service_interval_months", flat=True)) == {48}
        else:
            assert Product.objects.filter(complements__isnull=False).exists()

        for module in (retail_demo, catalog_demo, inventory_demo):
            module.seed(ctx)
        assert Item.objects.count() == len(items) and Product.objects.count() == products
        assert set(ctx.shared["items_in_stock"]) == set(in_stock)
