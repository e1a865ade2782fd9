import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from jewelcrm.accounts.services import api_key_create
from jewelcrm.catalog.models import Product
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def key_client(brand):
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="ERP")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def products_url(brand):
    return reverse("api-products", kwargs={"brand_slug": brand.slug})


def product_url(brand, pk):
    return reverse("api-product", kwargs={"brand_slug": brand.slug, "pk": pk})


def test_list_with_complements_in_fixed_queries(brand, django_assert_num_queries):
    client = key_client(brand)
    bracelet = ProductFactory(brand=brand, reference="BR-1", category="bracelet")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(products_url(brand))  # warm-up: the first call records the key's use
    with CaptureQueriesContext(connection) as few:
        client.get(products_url(brand))
    charms = [ProductFactory(brand=brand, reference=f"CH-{n}", category="charm") for n in range(4)]
    with brand_context(brand):
        bracelet.complements.set(charms, through_defaults={"brand": brand})
    with django_assert_num_queries(len(few.captured_queries)):
        results = client.get(products_url(brand)).json()["results"]
    assert results[0]["reference"] == "BR-1"
    assert results[0]["complements"] == ["CH-0", "CH-1", "CH-2", "CH-3"]
    assert [
        r["reference"] for r in client.get(products_url(brand), {"category": "charm"}).json()["results"]
    ] == ["CH-0", "CH-1", "CH-2", "CH-3"]


def test_create_and_update(brand):
    ProductFactory(brand=brand, reference="CH-1")
    client = key_client(brand)
    response = client.post(
        products_url(brand),
        {
            "reference": "br-9",
            "name_en": "Lien bracelet",
            "name_fr": "Bracelet Lien",
            "collection": "Lien",
            "category": "bracelet",
            "price": "1250.00",
            "currency": "eur",
            "warranty_months": 24,
            "complements": ["CH-1"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["reference"], body["currency"], body["complements"]) == ("BR-9", "EUR", ["CH-1"])
    response = client.patch(
        product_url(brand, body["id"]), {"name_fr": "Bracelet Lien or", "complements": []}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name_fr"], response.json()["name_en"], response.json()["complements"]) == (
        "Bracelet Lien or",
        "Lien bracelet",
        [],
    )


def test_create_refuses_unknown_currency_and_complement(brand):
    client = key_client(brand)
    bad = client.post(
        products_url(brand), {"reference": "X", "name_en": "X", "currency": "XYZ"}, format="json"
    )
    assert bad.status_code == 400 and "currency" in bad.json()["errors"]
    bad = client.post(
        products_url(brand), {"reference": "X", "name_en": "X", "complements": ["NOPE"]}, format="json"
    )
    assert bad.status_code == 400 and "complements" in bad.json()["errors"]
    with brand_context(brand):
        assert Product.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 200), ("admin", 200), ("marketer", 403), ("analyst", 403)]
)
def test_update_with_session_per_role(client_for, brand, role, expected):
    product = ProductFactory(brand=brand, name_en="Before")
    response = client_for(brand, role).patch(
        product_url(brand, product.pk), {"name_en": "After"}, content_type="application/json"
    )
    assert response.status_code == expected
    with brand_context(brand):
        assert Product.objects.get().name_en == ("After" if expected == 200 else "Before")


def test_cross_brand_is_404(brand, other_brand, owner_client):
    foreign = ProductFactory(brand=other_brand, name_en="Theirs")
    client = key_client(brand)
    assert client.get(product_url(brand, foreign.pk)).status_code == 404
    assert client.patch(product_url(brand, foreign.pk), {"name_en": "Mine"}, format="json").status_code == 404
    assert owner_client.get(product_url(brand, foreign.pk)).status_code == 404
    with brand_context(other_brand):
        assert Product.objects.get().name_en == "Theirs"
