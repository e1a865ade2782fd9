"""ISO-04: the staff of store A2 see nothing of store A1 of the same brand, on every page and endpoint that
takes no id (sales, stock, incoming pieces, interventions, claims, service requests, losses, transfers, the
client book and its outreach, payouts, exports), walked from the URLconf so a new one is covered.

Store A1 holds one of each kind of object (`_world` of the route matrix); the walk first checks, as A1's
own manager, that every A1 value searched for shows somewhere (so "not found as A2" means something)."""

from __future__ import annotations

import pytest

from conftest import _client_for
from tests.factories import BrandFactory, StoreFactory
from tests.isolation.test_every_route import EXPORT_PARAMS, _path, _world
from tests.isolation.urlconf import url_patterns
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

RETAIL_ROLES = ("retail_manager", "sales_associate")
PAGES = sorted(
    {
        p.route: p for p in url_patterns() if p.area in ("brand", "api") and p.kwargs == ("brand_slug",)
    }.values(),
    key=lambda p: p.route,
)


def _body(client, path: str, params: dict) -> tuple[int, bytes]:
    response = client.get(path, params)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_store_a2_sees_nothing_of_store_a1_on_any_list():
    brand = BrandFactory(name="Maison Alpha", slug="maison-alpha", code_prefix="ALP")
    a1 = _world(brand, "STOREONE")
    customer = a1.objects["_customer"]
    stock = ItemFactory(
        brand=brand, product_id=a1.objects["product"], current_store=a1.store, serial="A1STOCK"
    )
    a1_values = {
        "sold piece": a1.objects["item_serial"].encode(),
        "piece in stock": stock.serial.encode(),
        "customer's name": customer.last_name.encode(),
        "repair": b"STOREONE repair",
        "outreach task": b"STOREONE task",
    }
    a2 = StoreFactory(brand=brand, name="Second boutique", code="A2")
    seen_by_a1: set[str] = set()
    a1_manager = _client_for(brand, "retail_manager", a1.store)
    for pattern in PAGES:
        path = _path(pattern, {"brand_slug": brand.slug})
        for params in ({}, EXPORT_PARAMS):
            _status, body = _body(a1_manager, path, params)
            seen_by_a1 |= {name for name, value in a1_values.items() if value in body}
    assert seen_by_a1 == set(a1_values)  # every value searched for is shown to its own store

    leaks, reached = [], set()
    for role in RETAIL_ROLES:
        client = _client_for(brand, role, a2)
        for pattern in PAGES:
            path = _path(pattern, {"brand_slug": brand.slug})
            for params in ({}, EXPORT_PARAMS):
                status, body = _body(client, path, params)
                if status == 200:
                    reached.add(pattern.key)
                assert status < 500, (role, path, params)
                leaks += [f"{role} {path} {params}: {n}" for n, v in a1_values.items() if v in body]
    assert leaks == []
    # The store lists were read (not refused) by A2's staff.
    assert {
        "warranties:store_claims",
        "warranties:interventions",
        "inventory:my_stock",
        "inventory:incoming",
        "customers:client_book",
        "portal:store_queue",
        "portal:store_loss",
    } <= reached, sorted(reached)
