import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from jewelcrm.accounts.services import api_key_create
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory
from warranties.inventory.codes import public_code_normalise
from warranties.inventory.models import Item, StockMovement
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def key_client(brand):
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="POS")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def items_url(brand):
    return reverse("api-items", kwargs={"brand_slug": brand.slug})


def item_url(brand, serial):
    return reverse("api-item", kwargs={"brand_slug": brand.slug, "serial": serial})


def test_list_with_api_key_and_filters(brand):
    store = StoreFactory(brand=brand, code="PAR")
    ItemFactory(brand=brand, serial="A1", current_store=store)
    ItemFactory(brand=brand, serial="B2", status="sold", current_store=store)
    client = key_client(brand)
    response = client.get(items_url(brand))
    assert response.status_code == 200
    assert [r["serial"] for r in response.json()["results"]] == ["A1", "B2"]
    assert response.json()["results"][0]["current_store"] == "PAR"
    assert [r["serial"] for r in client.get(items_url(brand), {"status": "sold"}).json()["results"]] == ["B2"]
    assert client.get(items_url(brand), {"status": "nonsense"}).status_code == 400


def test_list_has_a_fixed_query_count(brand, django_assert_num_queries):
    client = key_client(brand)
    store = StoreFactory(brand=brand)
    ItemFactory(brand=brand, current_store=store)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(items_url(brand))  # warm-up: the first call records the key's use
    with CaptureQueriesContext(connection) as few:
        client.get(items_url(brand))
    for _ in range(10):
        ItemFactory(brand=brand, current_store=StoreFactory(brand=brand))
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(items_url(brand)).json()["results"]) == 11


def test_retrieve_by_serial_tolerates_case_and_lists_movements(brand):
    from warranties.inventory import services

    paris, lyon = StoreFactory(brand=brand, code="PAR"), StoreFactory(brand=brand, code="LYO")
    item = ItemFactory(brand=brand, serial="SER9")
    with brand_context(brand):
        (shipment,) = services.item_ship(brand=brand, items=[item], store=paris)
        services.movement_confirm_receipt(brand=brand, movement=shipment, store=paris)
        services.item_transfer(brand=brand, item=item, from_store=paris, to_store=lyon)
    response = key_client(brand).get(item_url(brand, "ser9"))
    assert response.status_code == 200
    body = response.json()
    assert body["public_code"] == item.public_code
    assert body["public_url"].endswith("/i/" + item.public_code)
    assert (body["status"], body["current_store"], body["shipped_to_store"]) == ("in_transit", "LYO", "PAR")
    assert [
        (m["kind"], m["from_store"], m["to_store"], m["received_at"] is None) for m in body["movements"]
    ] == [
        ("transfer", "PAR", "LYO", True),
        ("shipment", None, "PAR", False),
    ]


def test_create_with_store_ships_and_receives(brand):
    StoreFactory(brand=brand, code="GVA")
    ProductFactory(brand=brand, reference="BA-1")
    response = key_client(brand).post(
        items_url(brand), {"serial": "new-1", "product": "ba-1", "store": "gva"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["serial"], body["status"], body["current_store"], body["shipped_to_store"]) == (
        "NEW-1",
        "in_stock",
        "GVA",
        "GVA",
    )
    assert public_code_normalise(body["public_code"]) == body["public_code"]
    with brand_context(brand):
        assert StockMovement.objects.filter(item__serial="NEW-1", received_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"serial": "X1", "product": "NOPE"}, "product"),
        ({"serial": "X1", "product": "BA-1", "store": "NOPE"}, "store"),
        ({"serial": "DUP1", "product": "BA-1"}, "serial"),
    ],
)
def test_create_refusals_write_nothing(brand, payload, field):
    ProductFactory(brand=brand, reference="BA-1")
    ItemFactory(brand=brand, serial="DUP1")
    response = key_client(brand).post(items_url(brand), payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    with brand_context(brand):
        assert Item.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 201), ("admin", 201), ("marketer", 403), ("analyst", 403)]
)
def test_create_with_session_per_role(client_for, brand, role, expected):
    ProductFactory(brand=brand, reference="BA-1")
    client = client_for(brand, role)
    response = client.post(
        items_url(brand), {"serial": "S-1", "product": "BA-1"}, content_type="application/json"
    )
    assert response.status_code == expected
    with brand_context(brand):
        assert Item.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize("role", ["owner", "analyst"])
def test_session_reads(client_for, brand, role):
    ItemFactory(brand=brand, serial="R1")
    client = client_for(brand, role)
    assert client.get(items_url(brand)).status_code == 200
    assert client.get(item_url(brand, "R1")).json()["serial"] == "R1"


def test_retailer_session_is_refused(retailer_client, brand):
    assert retailer_client.get(items_url(brand)).status_code == 403


def test_cross_brand_is_404(brand, other_brand):
    ItemFactory(brand=other_brand, serial="THEIRS")
    client = key_client(brand)
    assert client.get(item_url(brand, "THEIRS")).status_code == 404
    assert client.get(item_url(brand, "MISSING")).status_code == 404
    # A key of one brand on another brand's URL.
    assert client.get(items_url(other_brand)).status_code == 404


def test_session_on_another_brand_is_404(owner_client, other_brand):
    ItemFactory(brand=other_brand, serial="THEIRS")
    assert owner_client.get(items_url(other_brand)).status_code == 404
    assert owner_client.get(item_url(other_brand, "THEIRS")).status_code == 404


def test_unauthenticated_is_refused(brand):
    assert APIClient().get(items_url(brand)).status_code in (401, 403)
