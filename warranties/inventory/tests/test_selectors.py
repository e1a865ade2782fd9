from datetime import timedelta

import pytest
from django.utils import timezone

from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory
from warranties.inventory import selectors, services
from warranties.inventory.models import ItemStatus
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["AB-1234", "ab-1234", "  Ab-1234 ", "AB- 1234"])
def test_item_find_by_serial_tolerates_case_and_spaces(brand, typed):
    item = ItemFactory(brand=brand, serial="AB-1234")
    with brand_context(brand):
        assert selectors.item_find(brand=brand, query=typed).pk == item.pk


def test_item_find_by_public_code_as_typed(brand):
    item = ItemFactory(brand=brand)
    typed = item.public_code.lower().replace("-", " ")
    with brand_context(brand):
        assert selectors.item_find(brand=brand, query=typed).pk == item.pk
        assert selectors.item_find(brand=brand, query="http://x/i/" + item.public_code).pk == item.pk


def test_item_find_answers_none_for_unknown_and_foreign_items(brand, other_brand):
    foreign = ItemFactory(brand=other_brand, serial="THEIRS1")
    with brand_context(brand):
        assert selectors.item_find(brand=brand, query="THEIRS1") is None
        assert selectors.item_find(brand=brand, query=foreign.public_code) is None
        assert selectors.item_find(brand=brand, query="") is None
        assert selectors.item_find(brand=brand, query="nothing") is None


def test_item_find_refuses_a_code_with_a_typo(brand):
    item = ItemFactory(brand=brand)
    code = item.public_code
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    with brand_context(brand):
        assert selectors.item_find(brand=brand, query=typo) is None


def test_grey_market_reason(brand):
    paris = StoreFactory(brand=brand, code="PAR", country="FR", market="FR")
    lyon = StoreFactory(brand=brand, code="LYO", name="Lyon", country="FR", market="FR")
    geneva = StoreFactory(brand=brand, code="GVA", country="CH", market="CH")
    eshop = StoreFactory(brand=brand, code="WEB", country="FR", market="EU")
    berlin = StoreFactory(brand=brand, code="BER", country="DE", market="DE")
    item = ItemFactory(brand=brand, current_store=paris)
    web_item = ItemFactory(brand=brand, current_store=eshop)
    with brand_context(brand):
        assert selectors.item_grey_market_reason(item=item, store=paris) == ""
        same_market = selectors.item_grey_market_reason(item=item, store=lyon)
        assert "PAR" in same_market and "LYO" in same_market and "outside" not in same_market
        abroad = selectors.item_grey_market_reason(item=item, store=geneva)
        assert "outside the market" in abroad and "CH" in abroad and "PAR" in abroad
        assert "outside" not in selectors.item_grey_market_reason(item=web_item, store=berlin)
        assert "outside" in selectors.item_grey_market_reason(item=web_item, store=geneva)


def test_stock_by_store_now_and_as_of(brand):
    paris = StoreFactory(brand=brand, code="A-PAR")
    lyon = StoreFactory(brand=brand, code="B-LYO")
    product = ProductFactory(brand=brand)
    start = timezone.now() - timedelta(days=100)
    with brand_context(brand):
        items = [
            services.item_create(brand=brand, product=product, serial=f"S{n}", store=paris, shipped_at=start)
            for n in range(3)
        ]
        services.item_create(brand=brand, product=product, serial="AT-BRAND")
        services.item_ship(
            brand=brand, items=[services.item_create(brand=brand, product=product, serial="T1")], store=lyon
        )
        transfer = services.item_transfer(brand=brand, item=items[0], from_store=paris, to_store=lyon)
        services.movement_confirm_receipt(brand=brand, movement=transfer, store=lyon)

        now = {(r.store.code if r.store else None): r.counts for r in selectors.stock_by_store(brand=brand)}
        assert now == {
            None: {"in_stock": 1},
            "A-PAR": {"in_stock": 2},
            "B-LYO": {"in_stock": 1, "in_transit": 1},
        }

        # The same picture rebuilt from the movements a second later.
        later = {
            (r.store.code if r.store else None): r.counts
            for r in selectors.stock_by_store(brand=brand, as_of=timezone.now() + timedelta(seconds=1))
        }
        assert later == now

        # Fifty days ago: the three shipped items were in Paris, the others did not exist yet.
        past = {
            (r.store.code if r.store else None): r.counts
            for r in selectors.stock_by_store(brand=brand, as_of=timezone.now() - timedelta(days=50))
        }
        assert past == {None: {}, "A-PAR": {"in_stock": 3}, "B-LYO": {}}


def test_stock_as_of_shows_a_shipment_in_transit_before_its_receipt(brand):
    store = StoreFactory(brand=brand)
    item = ItemFactory(brand=brand, created_at=timezone.now() - timedelta(days=10))
    with brand_context(brand):
        (movement,) = services.item_ship(
            brand=brand, items=[item], store=store, sent_at=timezone.now() - timedelta(days=5)
        )
        services.movement_confirm_receipt(
            brand=brand, movement=movement, store=store, at=timezone.now() - timedelta(days=2)
        )
        at = lambda days: {  # noqa: E731
            r.store.pk if r.store else None: r.counts
            for r in selectors.stock_by_store(brand=brand, as_of=timezone.now() - timedelta(days=days))
        }
        assert at(7) == {None: {"in_stock": 1}, store.pk: {}}
        assert at(3) == {None: {}, store.pk: {"in_transit": 1}}
        assert at(1) == {None: {}, store.pk: {"in_stock": 1}}


def test_stock_by_store_has_a_fixed_query_count(brand, django_assert_num_queries):
    stores = [StoreFactory(brand=brand) for _ in range(4)]
    for n in range(12):
        ItemFactory(brand=brand, current_store=stores[n % 4])
    with brand_context(brand):
        with django_assert_num_queries(2):
            selectors.stock_by_store(brand=brand)
        with django_assert_num_queries(2):
            selectors.stock_by_store(brand=brand, as_of=timezone.now())


def test_item_list_filters(brand):
    paris, lyon = StoreFactory(brand=brand), StoreFactory(brand=brand)
    ring = ProductFactory(brand=brand, collection="Aurore")
    watch = ProductFactory(brand=brand, collection="Heritage")
    a = ItemFactory(brand=brand, product=ring, current_store=paris, serial="RING1")
    b = ItemFactory(brand=brand, product=watch, current_store=lyon, serial="WATCH1", status=ItemStatus.SOLD)
    with brand_context(brand):
        serials = lambda **kw: [i.serial for i in selectors.item_list(brand=brand, **kw)]  # noqa: E731
        assert serials() == ["RING1", "WATCH1"]
        assert serials(search="watch") == ["WATCH1"]
        assert serials(search=a.public_code.lower()) == ["RING1"]
        assert serials(product_id=ring.pk) == ["RING1"]
        assert serials(collection="Heritage") == ["WATCH1"]
        assert serials(status="sold") == ["WATCH1"]
        assert serials(store_id=paris.pk) == ["RING1"]
        assert b.pk


def test_store_stock_list_shows_only_that_store(brand):
    paris, lyon = StoreFactory(brand=brand), StoreFactory(brand=brand)
    ItemFactory(brand=brand, current_store=paris, serial="P1")
    ItemFactory(brand=brand, current_store=lyon, serial="L1")
    ItemFactory(brand=brand, current_store=paris, serial="P2", status=ItemStatus.SOLD)
    with brand_context(brand):
        assert [i.serial for i in selectors.item_list_at_store(brand=brand, store=paris)] == ["P1"]


def test_item_find_falls_back_for_serials_stored_in_lower_case(brand):
    item = ItemFactory(brand=brand, serial="lc-0042")
    with brand_context(brand):
        assert selectors.item_find(brand=brand, query="LC-0042").pk == item.pk
        assert selectors.item_get_by_serial(brand=brand, serial="Lc-0042").pk == item.pk


def test_item_find_by_exact_serial_is_one_indexed_query(brand, django_assert_num_queries):
    item = ItemFactory(brand=brand, serial="EXACT1")
    with brand_context(brand), django_assert_num_queries(1) as captured:
        assert selectors.item_find(brand=brand, query="exact1").pk == item.pk
    assert "UPPER" not in captured.captured_queries[0]["sql"]
