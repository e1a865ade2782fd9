"""ISO-14: uploaded files are served only through the brand-checked view, by signed addresses that expire.
Another brand's file, a forged or stale address, an import file, a path typed by hand: 404."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from jewelcrm.catalog import services
from jewelcrm.media import media_token
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _png(colour: str) -> SimpleUploadedFile:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def photos(settings, tmp_path, brand, other_brand):
    """A product with a photo in each brand: {brand: (product, file bytes)}."""
    settings.MEDIA_ROOT = str(tmp_path)
    made = {}
    for b, colour in ((brand, "gold"), (other_brand, "navy")):
        with brand_context(b):
            photo = _png(colour)
            product = services.product_create(
                brand=b, reference="RING-1", name_en="Ring", category="ring", photo=photo
            )
            made[b.pk] = (product, photo.file.getvalue())
    return made


def _img_src(html: str) -> str:
    return re.search(r'<img class="product-photo" src="([^"]+)"', html).group(1)


def test_the_photo_on_a_brand_page_is_served_by_its_signed_address(owner_client, brand, photos):
    product, content = photos[brand.pk]
    page = owner_client.get(
        reverse("catalog:product_detail", kwargs={"brand_slug": brand.slug, "pk": product.pk})
    )
    src = _img_src(page.content.decode())
    assert src.startswith("/media/") and "products" not in src  # the path is never shown
    response = owner_client.get(src)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600, no-store"  # a signed-in page


@pytest.mark.parametrize("debug", [False, True])
def test_no_static_route_serves_uploads_in_any_setting(settings, photos, other_brand, client, debug):
    settings.DEBUG = debug
    product, _content = photos[other_brand.pk]
    with pytest.raises(Resolver404):
        resolve("/media/" + product.photo.name)
    assert client.get("/media/" + product.photo.name).status_code == 404


def test_an_address_for_brand_a_naming_brand_b_file_answers_404(client, brand, other_brand, photos):
    theirs, _content = photos[other_brand.pk]
    forged = reverse("media", kwargs={"token": media_token(theirs.photo.name, brand.pk)})
    assert client.get(forged).status_code == 404
    no_brand = reverse("media", kwargs={"token": media_token(theirs.photo.name, None)})
    assert client.get(no_brand).status_code == 404


def test_a_tampered_address_answers_404(client, brand, photos):
    mine, _content = photos[brand.pk]
    token = media_token(mine.photo.name, brand.pk)
    assert client.get(reverse("media", kwargs={"token": token})).status_code == 200
    assert client.get(reverse("media", kwargs={"token": token[:-2] + "xx"})).status_code == 404
    assert client.get(reverse("media", kwargs={"token": "x" + token})).status_code == 404


def test_an_address_past_its_lifetime_answers_404(client, brand, photos):
    mine, _content = photos[brand.pk]
    with time_machine.travel(timezone.now(), tick=False):
        address = reverse("media", kwargs={"token": media_token(mine.photo.name, brand.pk)})
    with time_machine.travel(timezone.now() + timedelta(seconds=3599), tick=False):
        assert client.get(address).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=3602), tick=False):
        assert client.get(address).status_code == 404


def test_import_files_are_never_served_by_the_media_view(settings, tmp_path, client, brand):
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = str(tmp_path)
    name = default_storage.save(f"imports/{brand.pk}/20260101/customers.csv", BytesIO(b"email\na@b.c\n"))
    assert client.get(reverse("media", kwargs={"token": media_token(name, brand.pk)})).status_code == 404


def test_an_upload_that_is_not_an_image_is_a_download_in_a_sandbox(settings, tmp_path, client, brand):
    from django.core.files.storage import default_storage

    from jewelcrm.accounts.models import Brand

    settings.MEDIA_ROOT = str(tmp_path)
    name = default_storage.save("brand-logos/logo.svg", BytesIO(b"<svg onload='alert(1)'></svg>"))
    Brand.objects.filter(pk=brand.pk).update(logo=name)
    response = client.get(reverse("media", kwargs={"token": media_token(name, brand.pk)}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_public_item_page_photo_is_served(client, brand, photos):
    from customers.tests.factories import CustomerFactory
    from warranties.portal.tests.factories import owned_item

    product, content = photos[brand.pk]
    item = owned_item(brand=brand, customer=CustomerFactory(brand=brand), product=product)
    page = client.get(reverse("portal:public_item", kwargs={"code": item.public_code}))
    src = re.search(r'<img class="piece-photo" src="([^"]+)"', page.content.decode()).group(1)
    response = client.get(src)
    assert response.status_code == 200
    # The public page shows the product's thumbnail (jewelcrm/catalog/photos.py), made from the photo.
    with brand_context(brand):
        product.refresh_from_db()
        expected = product.photo_thumbnail.open("rb").read() if product.photo_thumbnail else content
    assert b"".join(response.streaming_content) == expected
