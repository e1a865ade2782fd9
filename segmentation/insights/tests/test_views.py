from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from jewelcrm.tenancy.context import brand_context
from segmentation.insights.services import insights_refresh
from segmentation.insights.tests.conftest import PERIOD, _receive, _register, _till
from tests.factories import ProductFactory, StoreFactory

PAGES = ("sell_through", "network", "stock")
DIMENSIONS = ("collection", "category", "metal", "price_band", "country", "store", "channel")
PERIOD_QUERY = f"?start={PERIOD.start}&end={PERIOD.end}"


def _url(brand: Any, name: str) -> str:
    from django.urls import reverse

    return reverse(f"insights:{name}", args=[brand.slug])


@pytest.mark.parametrize("role", ["owner", "admin", "marketer", "analyst"])
@pytest.mark.parametrize("page", PAGES)
def test_brand_staff_read_every_page(client_for: Any, brand: Any, role: str, page: str) -> None:
    response = client_for(brand, role).get(_url(brand, page))
    assert response.status_code == 200
    assert 'data-testid="empty"' in response.content.decode() or page == "stock"


@pytest.mark.parametrize("role", ["retail_manager", "sales_associate"])
@pytest.mark.parametrize("page", PAGES)
def test_retailer_staff_never_see_insights(client_for: Any, brand: Any, role: str, page: str) -> None:
    assert client_for(brand, role).get(_url(brand, page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_another_brands_store_as_a_filter_answers_404(
    client_for: Any, brand: Any, other_brand: Any, page: str
) -> None:
    foreign = StoreFactory(brand=other_brand)
    response = client_for(brand, "marketer").get(_url(brand, page) + f"?store={foreign.pk}")
    assert response.status_code == 404


def test_a_member_of_another_brand_gets_404(client_for: Any, brand: Any, other_brand: Any) -> None:
    assert client_for(other_brand, "owner").get(_url(brand, "sell_through")).status_code == 404


def test_sell_through_page_and_its_csv_show_the_figures(client_for: Any, brand: Any, history: Any) -> None:
    with brand_context(brand):
        insights_refresh(brand=brand)
    client = client_for(brand, "analyst")
    html = client.get(_url(brand, "sell_through") + PERIOD_QUERY).content.decode()
    assert "Candidate to phase out" in html and 'data-product="B"' in html
    assert "4 weeks, " in html
    response = client.get(_url(brand, "sell_through") + PERIOD_QUERY + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Reference,Product,Category,Received,Sold,Sell-through (%)")
    assert any(line.startswith("B,") and line.endswith(",10,2,20.0,40.0,4,yes") for line in lines)


def test_network_page_in_french(client_for: Any, brand: Any, history: Any) -> None:
    with brand_context(brand):
        insights_refresh(brand=brand)
    client = client_for(brand, "owner")
    client.cookies["django_language"] = "fr"
    html = client.get(_url(brand, "network") + PERIOD_QUERY, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Taux d’enregistrement" in html or "Taux d'enregistrement" in html
    assert "75,0\u202f%" in html  # Lyon: 3 of 4 pieces sold were registered


def test_stock_ageing_suggests_a_transfer_that_one_click_creates(client_for: Any, brand: Any) -> None:
    slow = StoreFactory(brand=brand, code="SLOW", name="Slow store")
    fast = StoreFactory(brand=brand, code="FAST", name="Fast store")
    product = ProductFactory(brand=brand, reference="X", category="ring")
    today = timezone.localdate()
    (aged,) = _receive(brand, slow, product, 1, today - timedelta(days=400))
    sold = _receive(brand, fast, product, 2, today - timedelta(days=30))
    for item in sold:
        _register(brand, fast, item, today - timedelta(days=20))
    with brand_context(brand):
        insights_refresh(brand=brand)
    client = client_for(brand, "admin")
    html = client.get(_url(brand, "stock")).content.decode()
    assert f'data-serial="{aged.serial}"' in html and "Transfer to Fast store" in html

    response = client.post(_url(brand, "transfer"), {"item": aged.pk, "to_store": fast.pk})
    assert response.status_code == 302
    with brand_context(brand):
        aged.refresh_from_db()
        movement = aged.movements.order_by("-sent_at").first()
    assert (aged.status, aged.current_store_id) == ("in_transit", fast.pk)
    assert (movement.kind, movement.from_store_id, movement.to_store_id) == ("transfer", slow.pk, fast.pk)


def test_transfer_is_for_admins_and_refuses_foreign_ids(
    client_for: Any, brand: Any, other_brand: Any
) -> None:
    store = StoreFactory(brand=brand)
    foreign_store = StoreFactory(brand=other_brand)
    (item,) = _receive(brand, store, ProductFactory(brand=brand), 1, timezone.localdate())
    (foreign_item,) = _receive(
        other_brand, foreign_store, ProductFactory(brand=other_brand), 1, timezone.localdate()
    )
    assert (
        client_for(brand, "marketer")
        .post(_url(brand, "transfer"), {"item": item.pk, "to_store": store.pk})
        .status_code
        == 403
    )
    admin = client_for(brand, "admin")
    assert (
        admin.post(_url(brand, "transfer"), {"item": foreign_item.pk, "to_store": store.pk}).status_code
        == 404
    )
    assert (
        admin.post(_url(brand, "transfer"), {"item": item.pk, "to_store": foreign_store.pk}).status_code
        == 404
    )
    with brand_context(other_brand):
        foreign_item.refresh_from_db()
    assert foreign_item.status == "in_stock"


def test_pages_keep_a_fixed_number_of_queries(
    client_for: Any, brand: Any, history: Any, django_assert_max_num_queries: Any
) -> None:
    with brand_context(brand):
        insights_refresh(brand=brand)
    client = client_for(brand, "owner")
    client.get(_url(brand, "sell_through"))  # warm the session
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = [(page, "") for page in PAGES] + [("product_mix", f"&by={by}") for by in DIMENSIONS]
    for page, extra in pages:
        with CaptureQueriesContext(connection) as small:
            client.get(_url(brand, page) + PERIOD_QUERY + extra)
        counts[page + extra] = len(small)
    # Twice the data: the query count stays the same.
    from segmentation.insights.tests.conftest import WEEK1

    store = StoreFactory(brand=brand, code="MORE")
    for n in range(3):
        product = ProductFactory(brand=brand, reference=f"M{n}", category="necklace")
        first, second = _receive(brand, store, product, 2, WEEK1 + timedelta(days=1))
        _register(brand, store, first, WEEK1 + timedelta(days=2))
        _till(brand, store, second, WEEK1 + timedelta(days=3))  # an order line: the product mix grows too
    with brand_context(brand):
        insights_refresh(brand=brand)
    for page, extra in pages:
        with CaptureQueriesContext(connection) as big:
            client.get(_url(brand, page) + PERIOD_QUERY + extra)
        assert len(big) == counts[page + extra], page + extra
