from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory
from warranties.inventory import services
from warranties.inventory.codes import public_code_normalise
from warranties.inventory.models import Item, ItemStatus, MovementKind, StockMovement
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_item_create_allocates_a_valid_unique_public_code(brand):
    product = ProductFactory(brand=brand)
    with brand_context(brand):
        item = services.item_create(brand=brand, product=product, serial=" ab 123 ")
        assert item.serial == "AB123"
        assert item.status == ItemStatus.IN_STOCK
        assert item.current_store is None
        assert public_code_normalise(item.public_code) == item.public_code
        assert item.public_code.startswith(brand.code_prefix + "-")
        assert AuditLog.objects.filter(action="item.create", object_id=str(item.pk)).count() == 1


def test_item_create_retries_when_a_public_code_is_taken(brand):
    product = ProductFactory(brand=brand)
    taken = ItemFactory(brand=brand, product=product)
    from warranties.inventory import codes

    real = codes.public_code_new
    sequence = iter([taken.public_code, taken.public_code, real(brand=brand)])
    with brand_context(brand), mock.patch.object(services, "public_code_new", lambda brand: next(sequence)):
        item = services.item_create(brand=brand, product=product, serial="NEW1")
    assert item.public_code != taken.public_code


def test_item_create_retries_after_a_concurrent_code_collision(brand):
    product = ProductFactory(brand=brand)
    calls = {"n": 0}
    real_create = Item.objects.create

    def flaky_create(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise IntegrityError("duplicate key value violates unique constraint item_unique_public_code")
        return real_create(**kwargs)

    with brand_context(brand), mock.patch.object(Item.objects, "create", side_effect=flaky_create):
        item = services.item_create(brand=brand, product=product, serial="RACE1")
    assert calls["n"] == 2
    assert item.serial == "RACE1"


def test_item_create_refuses_a_duplicate_serial_case_insensitively(brand):
    product = ProductFactory(brand=brand)
    ItemFactory(brand=brand, product=product, serial="ABC1")
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.item_create(brand=brand, product=product, serial="abc1")
        assert "serial" in error.value.message_dict
        assert Item.objects.count() == 1


def test_item_create_refuses_another_brands_product(brand, other_brand):
    foreign = ProductFactory(brand=other_brand)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.item_create(brand=brand, product=foreign, serial="X1")
        assert Item.objects.count() == 0


def test_item_create_with_store_records_a_received_shipment(brand):
    store = StoreFactory(brand=brand)
    shipped = timezone.now() - timedelta(days=30)
    with brand_context(brand):
        item = services.item_create(
            brand=brand, product=ProductFactory(brand=brand), serial="S1", store=store, shipped_at=shipped
        )
        movement = StockMovement.objects.get(item=item)
    assert (item.status, item.current_store_id, item.shipped_to_store_id) == (
        ItemStatus.IN_STOCK,
        store.pk,
        store.pk,
    )
    assert item.shipped_on == timezone.localdate(shipped)
    assert (movement.kind, movement.to_store_id, movement.received_at) == (
        MovementKind.SHIPMENT,
        store.pk,
        shipped,
    )


def test_ship_then_confirm_receipt(brand):
    store = StoreFactory(brand=brand)
    items = [ItemFactory(brand=brand) for _ in range(2)]
    with brand_context(brand):
        movements = services.item_ship(brand=brand, items=items, store=store)
        assert {i.status for i in Item.objects.all()} == {ItemStatus.IN_TRANSIT}
        assert [m.received_at for m in movements] == [None, None]
        services.movement_confirm_receipt(brand=brand, movement=movements[0], store=store)
        first = Item.objects.get(pk=movements[0].item_id)
        assert (first.status, first.current_store_id, first.shipped_to_store_id) == (
            "in_stock",
            store.pk,
            store.pk,
        )
        assert Item.objects.get(pk=movements[1].item_id).status == ItemStatus.IN_TRANSIT
        assert services.movement_confirm_all(brand=brand, store=store) == 1
        assert {i.status for i in Item.objects.all()} == {ItemStatus.IN_STOCK}


def test_only_the_receiving_store_confirms_and_twice_changes_nothing(brand):
    store, other = StoreFactory(brand=brand), StoreFactory(brand=brand)
    item = ItemFactory(brand=brand)
    with brand_context(brand):
        (movement,) = services.item_ship(brand=brand, items=[item], store=store)
        with pytest.raises(ValidationError):
            services.movement_confirm_receipt(brand=brand, movement=movement, store=other)
        assert Item.objects.get(pk=item.pk).status == ItemStatus.IN_TRANSIT
        first = services.movement_confirm_receipt(brand=brand, movement=movement, store=store)
        again = services.movement_confirm_receipt(brand=brand, movement=movement, store=store)
        assert first.received_at == again.received_at
        assert AuditLog.objects.filter(action="movement.receive").count() == 1


def test_ship_refuses_items_already_in_a_store(brand):
    store = StoreFactory(brand=brand)
    placed = ItemFactory(brand=brand, current_store=store)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.item_ship(brand=brand, items=[placed], store=StoreFactory(brand=brand))
        assert StockMovement.objects.count() == 0


def test_ship_refuses_another_brands_store(brand, other_brand):
    item = ItemFactory(brand=brand)
    foreign_store = StoreFactory(brand=other_brand)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.item_ship(brand=brand, items=[item], store=foreign_store)
        assert Item.objects.get(pk=item.pk).status == ItemStatus.IN_STOCK


def test_transfer_moves_the_item_and_its_allocation_on_receipt(brand):
    paris, lyon = StoreFactory(brand=brand), StoreFactory(brand=brand)
    item = ItemFactory(brand=brand, current_store=paris)
    with brand_context(brand):
        movement = services.item_transfer(brand=brand, item=item, from_store=paris, to_store=lyon)
        item.refresh_from_db()
        assert (item.status, item.current_store, item.shipped_to_store) == ("in_transit", lyon, paris)
        assert (movement.kind, movement.from_store, movement.to_store) == ("transfer", paris, lyon)
        services.movement_confirm_receipt(brand=brand, movement=movement, store=lyon)
        item.refresh_from_db()
        assert (item.status, item.current_store, item.shipped_to_store) == ("in_stock", lyon, lyon)


@pytest.mark.parametrize("status", ["sold", "in_transit", "stolen"])
def test_transfer_refuses_items_not_in_stock_at_the_store(brand, status):
    paris, lyon = StoreFactory(brand=brand), StoreFactory(brand=brand)
    item = ItemFactory(brand=brand, current_store=paris, status=status)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.item_transfer(brand=brand, item=item, from_store=paris, to_store=lyon)
        assert StockMovement.objects.count() == 0


def test_transfer_refuses_an_item_of_another_store(brand):
    paris, lyon, nice = (StoreFactory(brand=brand) for _ in range(3))
    item = ItemFactory(brand=brand, current_store=lyon)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.item_transfer(brand=brand, item=item, from_store=paris, to_store=nice)
        assert Item.objects.get(pk=item.pk).current_store_id == lyon.pk
