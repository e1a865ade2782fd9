import pytest
from django.urls import reverse

from jewelcrm.retail.models import Retailer, Store
from jewelcrm.tenancy.context import brand_context
from tests.factories import RetailerFactory, StoreFactory

pytestmark = pytest.mark.django_db


def url(name, brand, **kwargs):
    return reverse(f"retail:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


def form_data(retailer, **change):
    return {
        "retailer": retailer.pk,
        "code": "NCE-1",
        "name": "Nice Masséna",
        "type": "corner",
        "country": "FR",
        "currency": "EUR",
        "time_zone": "Europe/Paris",
        "market": "",
        "is_active": "on",
        **change,
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("admin", 200),
        ("marketer", 200),
        ("analyst", 200),
        ("retail_manager", 403),
        ("sales_associate", 403),
    ],
)
def test_network_page_per_role(client_for, brand, role, expected):
    StoreFactory(brand=brand, code="PAR-1")
    response = client_for(brand, role).get(url("store_list", brand))
    assert response.status_code == expected
    if expected == 200:
        assert "PAR-1" in response.content.decode()
        assert ("New store" in response.content.decode()) == (role in ("owner", "admin"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [("owner", 302), ("admin", 302), ("marketer", 403), ("analyst", 403), ("sales_associate", 403)],
)
def test_store_create_per_role(client_for, brand, role, expected):
    retailer = RetailerFactory(brand=brand)
    response = client_for(brand, role).post(url("store_create", brand), form_data(retailer))
    assert response.status_code == expected
    with brand_context(brand):
        assert Store.objects.filter(code="NCE-1").count() == (1 if expected == 302 else 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "PAR-1"}, "already uses the code PAR-1"),
        ({"currency": "EUROS"}, "not an ISO 4217 currency code"),
        ({"time_zone": "Paris"}, "Paris is not a known time zone"),
    ],
)
def test_store_form_shows_errors_next_to_fields(owner_client, brand, change, message):
    StoreFactory(brand=brand, code="PAR-1")
    retailer = RetailerFactory(brand=brand)
    response = owner_client.post(url("store_create", brand), form_data(retailer, **change))
    assert response.status_code == 400
    body = response.content.decode()
    field = next(iter(change))
    assert f'id="id_{field}_errors"' in body
    assert message in body
    with brand_context(brand):
        assert Store.objects.count() == 1


def test_store_edit(admin_client_brand, brand):
    store = StoreFactory(brand=brand, code="PAR-1")
    assert admin_client_brand.get(url("store_update", brand, pk=store.pk)).status_code == 200
    response = admin_client_brand.post(
        url("store_update", brand, pk=store.pk), form_data(store.retailer, code="PAR-1", city="Paris 8e")
    )
    assert response.status_code == 302
    with brand_context(brand):
        store.refresh_from_db()
    assert (store.name, store.city, store.type) == ("Nice Masséna", "Paris 8e", "corner")


def test_store_edit_of_another_brand_is_404(owner_client, brand, other_brand):
    foreign = StoreFactory(brand=other_brand, name="Theirs")
    assert owner_client.get(url("store_update", brand, pk=foreign.pk)).status_code == 404
    assert (
        owner_client.post(
            url("store_update", brand, pk=foreign.pk), form_data(RetailerFactory(brand=brand))
        ).status_code
        == 404
    )
    assert owner_client.get(url("store_list", other_brand)).status_code == 404
    with brand_context(other_brand):
        assert Store.objects.get().name == "Theirs"


def test_store_form_offers_only_own_retailers(owner_client, brand, other_brand):
    RetailerFactory(brand=brand, name="Ours SA")
    foreign = RetailerFactory(brand=other_brand, name="Theirs SA")
    body = owner_client.get(url("store_create", brand)).content.decode()
    assert "Ours SA" in body and "Theirs SA" not in body
    response = owner_client.post(url("store_create", brand), form_data(foreign))
    assert response.status_code == 400
    with brand_context(brand):
        assert Store.objects.count() == 0


def test_retailer_create(owner_client, marketer_client, brand):
    assert marketer_client.post(url("retailer_create", brand), {"name": "Nope"}).status_code == 403
    assert (
        owner_client.post(
            url("retailer_create", brand), {"name": "Maison Lumière", "is_own": "on"}
        ).status_code
        == 302
    )
    with brand_context(brand):
        assert list(Retailer.objects.values_list("name", "is_own")) == [("Maison Lumière", True)]


def test_network_filters(analyst_client, brand):
    StoreFactory(brand=brand, code="PAR-1", country="FR")
    StoreFactory(brand=brand, code="GVA-1", country="CH", type="authorised_dealer")
    body = analyst_client.get(url("store_list", brand), {"country": "CH"}).content.decode()
    assert "GVA-1" in body and "PAR-1" not in body
    body = analyst_client.get(url("store_list", brand), {"q": "zzz"}).content.decode()
    assert "No store matches these filters." in body


def test_network_page_has_a_fixed_query_count(owner_client, brand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    StoreFactory(brand=brand)
    owner_client.get(url("store_list", brand))
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url("store_list", brand))
    for n in range(8):
        StoreFactory(brand=brand, country=["FR", "CH", "GB"][n % 3])
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url("store_list", brand))
    assert len(many.captured_queries) == len(few.captured_queries)
