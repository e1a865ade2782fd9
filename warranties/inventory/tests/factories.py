"""Factories of items and stock movements (for this app's tests and other apps' tests)."""

from __future__ import annotations

import factory

from tests.factories import BrandFactory, BrandScopedFactory, ProductFactory
from warranties.inventory.codes import ALPHABET, _format, check_symbol
from warranties.inventory.models import Item, ItemStatus, MovementKind, StockMovement


def _code(n: int, prefix: str) -> str:
    data = "".join(ALPHABET[(n >> (5 * i)) % 32] for i in range(15))[::-1]
    return _format(prefix, data + check_symbol(data))


class ItemFactory(BrandScopedFactory):
    """An item; by default in the brand's own stock (no store). Pass current_store= to place it."""

    class Meta:
        model = Item

    brand = factory.SubFactory(BrandFactory)
    product = factory.LazyAttribute(lambda o: ProductFactory(brand=o.brand))
    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    status = ItemStatus.IN_STOCK
    current_store = None
    shipped_to_store = factory.LazyAttribute(lambda o: o.current_store)
    public_code = factory.LazyAttributeSequence(lambda o, n: _code(n + 1, str(o.brand.code_prefix).upper()))


class StockMovementFactory(BrandScopedFactory):
    class Meta:
        model = StockMovement

    brand = factory.SubFactory(BrandFactory)
    item = factory.LazyAttribute(lambda o: ItemFactory(brand=o.brand))
    kind = MovementKind.SHIPMENT
    from_store = None
    to_store = None
