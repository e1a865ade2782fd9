"""A small hand-built history whose figures are worked out by hand in the tests.

Period: the four weeks from Monday 7 September to Sunday 4 October 2026.
Rings (category benchmark computed over A, B and C) and one watch (W):

| product | store | received in the period | sold week 1, 2, 3, 4            |
|---------|-------|------------------------|---------------------------------|
| A ring  | S1    | 10 (and 5 the week before) | 2, 2, 2, 2 (registered)   |
| B ring  | S1    | 10                     | 1, 1, 0, 0 (registered)         |
| C ring  | S2    | 10                     | 3 registered in week 1, 1 by the till only in week 2 |
| W watch | S3    | 4                      | week 1: one by the till AND registered (once), one grey market |
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from customers.tests.factories import OrderFactory, OrderLineFactory
from segmentation.insights.selectors import Period
from tests.factories import ProductFactory, StoreFactory
from warranties.inventory.tests.factories import ItemFactory, StockMovementFactory
from warranties.tests.factories import RegistrationFactory

WEEK1 = date(2026, 9, 7)
PERIOD = Period(start=WEEK1, end=WEEK1 + timedelta(days=27))


def _receive(brand: Any, store: Any, product: Any, count: int, day: date) -> list[Any]:
    items = []
    for _ in range(count):
        item = ItemFactory(brand=brand, product=product, current_store=store)
        StockMovementFactory(
            brand=brand,
            item=item,
            to_store=store,
            received_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        )
        items.append(item)
    return items


def _register(brand: Any, store: Any, item: Any, day: date, *, grey: bool = False) -> Any:
    from jewelcrm.tenancy.context import brand_context

    with brand_context(brand):
        type(item).unscoped.filter(pk=item.pk).update(status="sold")
    item.status = "sold"
    return RegistrationFactory(brand=brand, store=store, item=item, sold_on=day, is_grey_market=grey)


def _till(brand: Any, store: Any, item: Any, day: date) -> Any:
    order = OrderFactory(
        brand=brand,
        source="erp",
        store=store,
        ordered_at=datetime(day.year, day.month, day.day, 11, tzinfo=UTC),
    )
    return OrderLineFactory(brand=brand, order=order, product=item.product, serial=item.serial)


@pytest.fixture
def history(brand: Any) -> dict[str, Any]:
    s1 = StoreFactory(brand=brand, code="S1", name="Paris Vendôme", country="FR")
    s2 = StoreFactory(brand=brand, code="S2", name="Lyon", country="FR")
    s3 = StoreFactory(brand=brand, code="S3", name="Genève", country="CH", city="Genève")
    a = ProductFactory(brand=brand, reference="A", category="ring")
    b = ProductFactory(brand=brand, reference="B", category="ring")
    c = ProductFactory(brand=brand, reference="C", category="ring")
    w = ProductFactory(brand=brand, reference="W", category="watch")
    _receive(brand, s1, a, 5, WEEK1 - timedelta(days=5))
    items_a = _receive(brand, s1, a, 10, WEEK1 + timedelta(days=1))
    items_b = _receive(brand, s1, b, 10, WEEK1 + timedelta(days=1))
    items_c = _receive(brand, s2, c, 10, WEEK1 + timedelta(days=1))
    items_w = _receive(brand, s3, w, 4, WEEK1 + timedelta(days=2))
    for week in range(4):
        for item in items_a[2 * week : 2 * week + 2]:
            _register(brand, s1, item, WEEK1 + timedelta(weeks=week, days=3))
    _register(brand, s1, items_b[0], WEEK1 + timedelta(days=4))
    _register(brand, s1, items_b[1], WEEK1 + timedelta(weeks=1, days=4))
    for item in items_c[:3]:
        _register(brand, s2, item, WEEK1 + timedelta(days=5))
    _till(brand, s2, items_c[3], WEEK1 + timedelta(weeks=1, days=2))
    _till(brand, s3, items_w[0], WEEK1 + timedelta(days=3))
    _register(brand, s3, items_w[0], WEEK1 + timedelta(days=3))
    _register(brand, s3, items_w[1], WEEK1 + timedelta(days=4), grey=True)
    return {"stores": (s1, s2, s3), "products": (a, b, c, w)}
