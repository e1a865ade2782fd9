import pytest
from django.urls import reverse

from jewelcrm.catalog.models import Product
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def url(name, brand, **kwargs):
    return reverse(f"catalog:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


def form_data(**change):
    return {
        "reference": "BR-7",
        "name_en": "Lien bracelet",
        "name_fr": "Bracelet Lien",
        "collection": "Lien",
        "category": "bracelet",
        "price": "1250.00",
        "currency": "EUR",
        "warranty_months": "24",
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
        ("sales_associate", 403),
        ("retail_manager", 403),
    ],
)
def test_catalogue_pages_per_role(client_for, brand, role, expected):
    product = ProductFactory(brand=brand, reference="BA-1")
    client = client_for(brand, role)
    assert client.get(url("product_list", brand)).status_code == expected
    assert client.get(url("product_detail", brand, pk=product.pk)).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 302), ("admin", 302), ("marketer", 403), ("analyst", 403)]
)
def test_product_create_per_role(client_for, brand, role, expected):
    response = client_for(brand, role).post(url("product_create", brand), form_data())
    assert response.status_code == expected
    with brand_context(brand):
        assert Product.objects.filter(reference="BR-7").count() == (1 if expected == 302 else 0)


def test_edit_in_english_and_french_with_complements(owner_client, brand):
    product = ProductFactory(brand=brand, reference="BR-7", category="bracelet")
    charm = ProductFactory(brand=brand, reference="CH-1", category="charm")
    response = owner_client.post(
        url("product_update", brand, pk=product.pk),
        form_data(name_fr="Bracelet Lien or", complements=[charm.pk]),
    )
    assert response.status_code == 302
    detail = owner_client.get(url("product_detail", brand, pk=product.pk), HTTP_ACCEPT_LANGUAGE="fr")
    body = detail.content.decode()
    assert "Bracelet Lien or" in body and "CH-1" in body


def test_product_form_refuses_a_duplicate_reference(owner_client, brand):
    ProductFactory(brand=brand, reference="BR-7")
    response = owner_client.post(url("product_create", brand), form_data())
    assert response.status_code == 400
    assert "Another product already has the reference BR-7." in response.content.decode()


def test_photo_upload(owner_client, brand, settings, tmp_path):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    product = ProductFactory(brand=brand, reference="BR-7")
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")
    photo = SimpleUploadedFile("bracelet.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = owner_client.post(url("product_update", brand, pk=product.pk), form_data(photo=photo))
    assert response.status_code == 302
    with brand_context(brand):
        product.refresh_from_db()
    assert product.photo.name == f"products/{brand.pk}/BR-7.jpg"
    assert (tmp_path / "products" / str(brand.pk) / "BR-7.jpg").exists()


def test_cross_brand_product_is_404(owner_client, brand, other_brand):
    foreign = ProductFactory(brand=other_brand, name_en="Theirs")
    assert owner_client.get(url("product_detail", brand, pk=foreign.pk)).status_code == 404
    assert owner_client.get(url("product_update", brand, pk=foreign.pk)).status_code == 404
    assert owner_client.post(url("product_update", brand, pk=foreign.pk), form_data()).status_code == 404
    assert owner_client.get(url("product_list", other_brand)).status_code == 404
    with brand_context(other_brand):
        assert Product.objects.get().name_en == "Theirs"


def test_list_filters_and_fixed_query_count(analyst_client, brand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ProductFactory(brand=brand, reference="BA-1", collection="Aurore", category="ring")
    analyst_client.get(url("product_list", brand))
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(url("product_list", brand))
    for n in range(10):
        ProductFactory(brand=brand, collection=["Lien", "Céleste"][n % 2], category="charm")
    with CaptureQueriesContext(connection) as many:
        analyst_client.get(url("product_list", brand))
    assert len(many.captured_queries) == len(few.captured_queries)
    body = analyst_client.get(url("product_list", brand), {"collection": "Aurore"}).content.decode()
    assert "BA-1" in body and "Céleste" in body  # the filter offers every collection
    assert (
        analyst_client.get(url("product_list", brand), {"category": "watch"})
        .content.decode()
        .count("No product matches")
        == 1
    )


def _jpeg(name="bracelet.jpg"):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 302), ("admin", 302), ("marketer", 403), ("analyst", 403)]
)
def test_photo_upload_from_the_detail_page(client_for, brand, settings, tmp_path, role, expected):
    settings.MEDIA_ROOT = str(tmp_path)
    product = ProductFactory(brand=brand, reference="BR-8")
    client = client_for(brand, role)
    assert (
        'data-testid="photo-form"' in client.get(url("product_detail", brand, pk=product.pk)).content.decode()
    ) == (expected == 302)
    response = client.post(url("product_detail", brand, pk=product.pk), {"photo": _jpeg()})
    assert response.status_code == expected
    with brand_context(brand):
        product.refresh_from_db()
    assert product.photo.name == (f"products/{brand.pk}/BR-8.jpg" if expected == 302 else "")


def test_photo_upload_refuses_a_file_that_is_not_an_image(owner_client, brand, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    product = ProductFactory(brand=brand)
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = owner_client.post(url("product_detail", brand, pk=product.pk), {"photo": fake})
    assert response.status_code == 400
    assert "This file is not a readable image." in response.content.decode()
    with brand_context(brand):
        product.refresh_from_db()
    assert not product.photo


def test_photo_upload_to_another_brands_product_is_404(owner_client, other_brand, brand):
    foreign = ProductFactory(brand=other_brand)
    assert (
        owner_client.post(url("product_detail", brand, pk=foreign.pk), {"photo": _jpeg()}).status_code == 404
    )
