"""Product photos: what an upload must be (type by content, size, pixels, image bombs), the thumbnail,
the brand wall of the media view, the catalogue import's photo column, the demo's drawn photos, and the
thumbnails on the pages that show products."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from customers.tests.factories import CustomerFactory
from jewelcrm.catalog import photos
from jewelcrm.catalog.demo import demo_photo
from jewelcrm.catalog.models import Product
from jewelcrm.catalog.services import product_photo_set, product_update
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRODUCT_PHOTO_IMPORT_DIR = str(tmp_path / "import")


def image_bytes(fmt="PNG", size=(900, 600), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 160, 40) if mode == "RGB" else 0).save(buffer, fmt)
    return buffer.getvalue()


def png_claiming(width, height):
    """A tiny PNG whose header claims width × height pixels (an image bomb's header)."""
    data = image_bytes("PNG", (1, 1))
    ihdr = struct.pack(">II", width, height) + data[24:29]
    chunk = b"IHDR" + ihdr
    return data[:12] + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[33:]


def _photo_of(brand, data, reference="RING-1"):
    product = ProductFactory(brand=brand, reference=reference)
    with brand_context(brand):
        return product_photo_set(brand=brand, product=product, data=data)


# --- What a photo must be ---------------------------------------------------------------------------


def test_a_photo_gets_a_small_jpeg_thumbnail_in_the_brand_folder(brand):
    product = _photo_of(brand, image_bytes("PNG", (1200, 800)))
    assert product.photo.name == f"products/{brand.pk}/RING-1.png"
    assert product.photo_thumbnail.name == f"products/{brand.pk}/RING-1-thumb.jpg"
    with product.photo_thumbnail.open("rb") as thumb:
        image = Image.open(thumb)
        assert image.format == "JPEG"
        assert image.size == (320, 213)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 40, "not a readable image"),
        (image_bytes("GIF", (10, 10), mode="P"), "Upload a JPEG, PNG or WebP image."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a readable image"),
        (png_claiming(60_000, 60_000), "not a readable image"),  # refused from its header alone
        (png_claiming(8_000, 8_000), "too many pixels"),
    ],
)
def test_refused_photos(brand, data, message):
    product = ProductFactory(brand=brand)
    with brand_context(brand), pytest.raises(ValidationError, match=message):
        product_photo_set(brand=brand, product=product, data=data)
    with brand_context(brand):
        product.refresh_from_db()
    assert not product.photo and not product.photo_thumbnail


def test_a_photo_over_the_size_limit_is_refused_before_it_is_read(brand, settings):
    settings.PRODUCT_PHOTO_MAX_BYTES = 1024 * 1024
    product = ProductFactory(brand=brand)
    upload = SimpleUploadedFile("big.png", b"\x89PNG" + b"\x00" * (1024 * 1024 + 1), content_type="image/png")
    with brand_context(brand), pytest.raises(ValidationError) as error:
        product_update(brand=brand, product=product, photo=upload)
    assert error.value.message_dict["photo"] == ["The photo is larger than 1 MB."]


def test_a_file_named_png_that_is_a_jpeg_is_stored_as_what_it_is(brand):
    product = _photo_of(brand, image_bytes("JPEG"))
    assert product.photo.name.endswith(".jpg")


# --- The brand wall -----------------------------------------------------------------------------------


def test_another_brands_photo_is_a_404(brand, other_brand, owner_client):
    product = _photo_of(brand, image_bytes())
    with brand_context(brand):
        own = [product.photo.url, product.photo_thumbnail.url]
    with brand_context(other_brand):
        foreign = [product.photo.url, product.photo_thumbnail.url]  # signed for the other brand
    for address in own:
        assert Client().get(address).status_code == 200
    for address in foreign:
        assert Client().get(address).status_code == 404


# --- The catalogue import's photo column --------------------------------------------------------


def _catalogue(tmp_path, rows):
    path = tmp_path / "catalogue.csv"
    path.write_text("Référence;Désignation;Prix public;Photo\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_import_takes_photos_from_the_brand_folder_and_https(brand, tmp_path, settings, monkeypatch):
    from jewelcrm.imports.runs import import_file_run

    folder = tmp_path / "import" / brand.slug
    folder.mkdir(parents=True)
    (folder / "aurore ring.jpg").write_bytes(image_bytes("JPEG"))
    fetched = []
    monkeypatch.setattr(photos, "url_fetch", lambda url: fetched.append(url) or image_bytes("WEBP"))
    result = import_file_run(
        brand=brand,
        kind="products",
        path=str(
            _catalogue(
                tmp_path,
                [
                    "AUR-1;Bague Aurore;1200;aurore ring.jpg",
                    "AUR-2;Collier Aurore;900;https://cdn.example.com/aur-2.webp",
                    "AUR-3;Jonc Aurore;700;missing.png",
                    "AUR-4;Bracelet Aurore;650;../../etc/passwd",
                ],
            )
        ),
    )
    assert fetched == ["https://cdn.example.com/aur-2.webp"]
    with brand_context(brand):
        by_reference = {p.reference: p for p in Product.objects.filter(brand=brand)}
    assert by_reference["AUR-1"].photo_thumbnail.name == f"products/{brand.pk}/AUR-1-thumb.jpg"
    assert by_reference["AUR-2"].photo.name == f"products/{brand.pk}/AUR-2.webp"
    assert not by_reference["AUR-3"].photo  # imported, its photo reported
    assert "AUR-4" not in by_reference  # a path is not a file name: the row is refused
    assert result.summary["photos_saved"] == 2
    assert result.summary["photos_refused"] == ["AUR-3: No photo file named missing.png."]


def test_an_import_cannot_reach_the_servers_own_network():
    with pytest.raises(ValidationError, match="not on the public internet"):
        photos.url_fetch("https://127.0.0.1/photo.jpg")
    with pytest.raises(ValidationError, match="not on the public internet"):
        photos.url_fetch("https://10.0.0.8/photo.jpg")


# --- The demo -------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["ring", "necklace", "bracelet", "watch", "earrings"])
def test_demo_photos_are_drawn_without_the_network(category):
    image, extension = photos.photo_check(demo_photo(category=category, seed=2))
    assert extension == ".jpg" and image.size == (640, 640)


def test_the_demo_catalogue_has_photos(brand):
    import random
    from datetime import date

    from jewelcrm.catalog import demo
    from jewelcrm.demo import BRANDS, DemoContext

    ctx = DemoContext(
        brand=brand, profile=BRANDS[0], size="small", rng=random.Random(1), today=date(2026, 12, 5)
    )
    with brand_context(brand):
        demo.seed(ctx)
        products = list(Product.objects.filter(brand=brand))
    assert products and all(p.photo and p.photo_thumbnail for p in products)


# --- Where thumbnails appear ------------------------------------------------------------------------


def test_thumbnails_in_the_lists_the_sale_form_and_the_client_book(
    brand, owner_client, retailer_client, manager_client, store
):
    product = _photo_of(brand, image_bytes())
    customer = CustomerFactory(brand=brand, home_store=store)
    ItemFactory(brand=brand, product=product, current_store=store, status="in_stock", serial="SN-IN-STOCK")
    ItemFactory(brand=brand, product=product, owner=customer, status="sold")
    b = {"brand_slug": brand.slug}
    pages = [
        (owner_client, reverse("catalog:product_list", kwargs=b)),
        (retailer_client, reverse("inventory:my_stock", kwargs=b)),
        (retailer_client, reverse("warranties:item_lookup", kwargs=b) + "?item_query=SN-IN-STOCK"),
        (manager_client, reverse("customers:client_book", kwargs=b)),  # the store's customers
    ]
    for client, address in pages:
        response = client.get(address)
        assert response.status_code == 200, address
        assert 'data-testid="product-thumb"' in response.content.decode(), address


def test_thumbnails_on_the_owner_portal_and_the_public_page(brand):
    from warranties.portal.tests.factories import owned_item
    from warranties.portal.tests.test_owner_views import portal_client

    product = _photo_of(brand, image_bytes())
    owner = CustomerFactory(brand=brand)
    item = owned_item(brand=brand, customer=owner, product=product)
    portal = portal_client(brand, owner)
    pieces = portal.get(reverse("portal:pieces", kwargs={"brand_slug": brand.slug}))
    assert 'data-testid="product-thumb"' in pieces.content.decode()
    public = Client().get(reverse("portal:public_item", kwargs={"code": item.public_code}))
    body = public.content.decode()
    assert 'data-testid="product-thumb"' in body
    address = body.split('data-testid="product-thumb"')[0].rsplit('src="', 1)[1].split('"', 1)[0]
    photo = Client().get(address)  # anyone with the page: the thumbnail, signed for the brand
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
