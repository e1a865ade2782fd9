from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from jewelcrm.accounts.models import AuditLog
from jewelcrm.catalog import selectors, services
from jewelcrm.catalog.models import Product
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "gold").save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def test_product_create_with_complements_and_photo(brand, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    charm = ProductFactory(brand=brand, reference="CH-1", category="charm")
    with brand_context(brand):
        product = services.product_create(
            brand=brand,
            reference="br-1",
            name_en="Lien bracelet",
            name_fr="Bracelet Lien",
            category="bracelet",
            price=Decimal("1250"),
            currency="chf",
            complements=[charm],
            photo=png(),
        )
        assert (product.reference, product.currency) == ("BR-1", "CHF")
        assert [p.reference for p in product.complements.all()] == ["CH-1"]
        assert product.photo.name == f"products/{brand.pk}/BR-1.png"
        assert AuditLog.objects.filter(action="product.create").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reference": "ba-1"}, "reference"),
        ({"currency": "EURO"}, "currency"),
        ({"name_en": "", "name_fr": ""}, "name_en"),
        ({"category": "tiara"}, "category"),
        ({"price": Decimal("-1")}, "price"),
    ],
)
def test_product_create_refusals(brand, change, field):
    ProductFactory(brand=brand, reference="BA-1")
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.product_create(
                brand=brand, **{"reference": "NEW", "name_en": "New", "currency": "EUR", **change}
            )
        assert field in error.value.message_dict
        assert Product.objects.count() == 1


def test_product_refuses_a_file_that_is_not_an_image(brand):
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.product_create(
                brand=brand,
                reference="X",
                name_en="X",
                currency="EUR",
                photo=SimpleUploadedFile("x.png", b"not an image"),
            )
        assert "photo" in error.value.message_dict
        assert Product.objects.count() == 0


def test_complements_of_another_brand_are_refused(brand, other_brand):
    foreign = ProductFactory(brand=other_brand)
    product = ProductFactory(brand=brand)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            services.product_update(brand=brand, product=product, complements=[foreign.pk])
        assert product.complements.count() == 0


def test_product_update_names_in_both_languages(brand):
    product = ProductFactory(brand=brand, name_en="Ring", name_fr="Bague")
    with brand_context(brand):
        services.product_update(brand=brand, product=product, name_en="Dawn ring", name_fr="Bague Aurore")
        product.refresh_from_db()
        assert (product.name_en, product.name_fr) == ("Dawn ring", "Bague Aurore")
        assert AuditLog.objects.get(action="product.update").data == {
            "name_en": "Dawn ring",
            "name_fr": "Bague Aurore",
        }
    from django.utils import translation

    with translation.override("fr"):
        assert product.name == "Bague Aurore"
    with translation.override("en"):
        assert product.name == "Dawn ring"


def test_product_list_filters(brand):
    ProductFactory(brand=brand, reference="BA-1", collection="Aurore", category="ring", name_en="Dawn ring")
    ProductFactory(
        brand=brand, reference="BR-1", collection="Lien", category="bracelet", name_fr="Bracelet Lien"
    )
    with brand_context(brand):
        refs = lambda **kw: [p.reference for p in selectors.product_list(brand=brand, **kw)]  # noqa: E731
        assert refs() == ["BA-1", "BR-1"]
        assert refs(search="dawn") == ["BA-1"]
        assert refs(search="bracelet lien") == ["BR-1"]
        assert refs(collection="Lien") == ["BR-1"]
        assert refs(category="ring") == ["BA-1"]
        assert selectors.product_collections(brand=brand) == ["Aurore", "Lien"]
