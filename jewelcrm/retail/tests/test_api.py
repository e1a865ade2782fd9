import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from jewelcrm.accounts.services import api_key_create
from jewelcrm.retail.models import Retailer, Store
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

NEW_STORE = {
    "code": "mil-01",
    "name": "Milano Duomo",
    "type": "authorised_dealer",
    "retailer": "Duomo Gioielli",
    "city": "Milano",
    "country": "IT",
    "currency": "EUR",
    "time_zone": "Europe/Rome",
    "market": "EU",
}


def key_client(brand):
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="ERP")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def stores_url(brand):
    return reverse("api-stores", kwargs={"brand_slug": brand.slug})


def store_url(brand, pk):
    return reverse("api-store", kwargs={"brand_slug": brand.slug, "pk": pk})


def test_list_and_retrieve_with_api_key(brand):
    store = StoreFactory(brand=brand, code="PAR-1", country="FR")
    StoreFactory(brand=brand, code="GVA-1", country="CH")
    client = key_client(brand)
    assert [s["code"] for s in client.get(stores_url(brand)).json()["results"]] == ["GVA-1", "PAR-1"]
    assert [s["code"] for s in client.get(stores_url(brand), {"country": "fr"}).json()["results"]] == [
        "PAR-1"
    ]
    detail = client.get(store_url(brand, store.pk)).json()
    assert (detail["code"], detail["country"], detail["currency"]) == ("PAR-1", "FR", "EUR")


def test_create_with_api_key_creates_the_retailer(brand):
    response = key_client(brand).post(stores_url(brand), NEW_STORE, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["code"], response.json()["retailer"], response.json()["market"]) == (
        "MIL-01",
        "Duomo Gioielli",
        "EU",
    )
    with brand_context(brand):
        assert Retailer.objects.get().name == "Duomo Gioielli"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "EURO"}, "currency"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"code": "PAR-1"}, "code"),
        ({"market": "XX"}, "market"),
    ],
)
def test_create_refusals(brand, change, field):
    StoreFactory(brand=brand, code="PAR-1")
    response = key_client(brand).post(stores_url(brand), {**NEW_STORE, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    with brand_context(brand):
        assert Store.objects.count() == 1
        assert not Retailer.objects.filter(name="Duomo Gioielli").exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 201), ("admin", 201), ("marketer", 403), ("analyst", 403)]
)
def test_create_with_session_per_role(client_for, brand, role, expected):
    response = client_for(brand, role).post(stores_url(brand), NEW_STORE, content_type="application/json")
    assert response.status_code == expected
    with brand_context(brand):
        assert Store.objects.filter(code="MIL-01").count() == (1 if expected == 201 else 0)


def test_cross_brand_is_404(brand, other_brand, owner_client):
    foreign = StoreFactory(brand=other_brand)
    assert key_client(brand).get(store_url(brand, foreign.pk)).status_code == 404
    assert owner_client.get(store_url(brand, foreign.pk)).status_code == 404
    assert owner_client.get(store_url(other_brand, foreign.pk)).status_code == 404
    assert (
        owner_client.post(stores_url(other_brand), NEW_STORE, content_type="application/json").status_code
        == 404
    )


def test_schema_documents_the_endpoints(owner_client):
    schema = owner_client.get(reverse("api-schema")).content.decode()
    for path in ("/stores/", "/stores/{id}/", "/products/", "/products/{id}/", "/items/", "/items/{serial}/"):
        assert path in schema
    for operation in ("stores_create", "products_update", "items_list"):
        assert operation in schema


def test_list_has_a_fixed_query_count(brand, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = key_client(brand)
    StoreFactory(brand=brand)
    client.get(stores_url(brand))  # warm-up: the first call records the key's use
    with CaptureQueriesContext(connection) as few:
        client.get(stores_url(brand))
    for _ in range(6):
        StoreFactory(brand=brand)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(stores_url(brand)).json()["results"]) == 7
