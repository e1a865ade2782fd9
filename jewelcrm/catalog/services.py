"""Writes of the catalogue: products and their complements."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.catalog.models import Category, Product
from jewelcrm.currencies import currency_is_valid

PRODUCT_FIELDS = (
    "reference",
    "name_en",
    "name_fr",
    "collection",
    "category",
    "metal",
    "stones",
    "price",
    "currency",
    "warranty_months",
    "service_interval_months",
    "photo",
    "is_active",
)
PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")


def _product_validate(*, brand: Brand, product: Product) -> None:
    errors: dict[str, list[str]] = {}
    product.reference = (product.reference or "").strip().upper()
    product.currency = (product.currency or "").strip().upper()
    if not product.reference:
        errors["reference"] = [_("Give the product a reference.")]
    elif (
        Product.objects.filter(brand=brand, reference__iexact=product.reference)
        .exclude(pk=product.pk)
        .exists()
    ):
        errors["reference"] = [
            _("Another product already has the reference %(ref)s.") % {"ref": product.reference}
        ]
    if not (product.name_en or "").strip() and not (product.name_fr or "").strip():
        errors["name_en"] = [_("Give the product a name in English or French.")]
    if product.category not in Category.values:
        errors["category"] = [_("Choose a category.")]
    if not currency_is_valid(product.currency):
        errors["currency"] = [
            _("%(code)s is not an ISO 4217 currency code.") % {"code": product.currency or "—"}
        ]
    if product.price is not None and Decimal(product.price) < 0:
        errors["price"] = [_("A price cannot be negative.")]
    if not (0 <= int(product.warranty_months or 0) <= 240):
        errors["warranty_months"] = [_("Between 0 and 240 months.")]
    if product.service_interval_months is not None and not (1 <= int(product.service_interval_months) <= 240):
        errors["service_interval_months"] = [_("Between 1 and 240 months, or empty.")]
    if errors:
        raise ValidationError(errors)


def _photo_set(*, brand: Brand, product: Product, photo: Any) -> None:
    """Store an uploaded photo and its thumbnail under the brand's own folder (jewelcrm.catalog.photos):
    products/<brand id>/<reference>.<ext> and <reference>-thumb.jpg."""
    from jewelcrm.catalog.photos import product_photo_store, read_upload

    try:
        product_photo_store(brand=brand, product=product, data=read_upload(photo))
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from None


@transaction.atomic
def product_photo_set(*, brand: Brand, product: Product, data: bytes, actor: Any = None) -> Product:
    """Give a product a new photo (the bytes of a JPEG, PNG or WebP; checked) and its thumbnail."""
    from jewelcrm.catalog.photos import product_photo_store

    if product.brand_id != brand.pk:
        raise ValidationError(_("Unknown product."))
    product_photo_store(brand=brand, product=product, data=data)
    product.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
    audit_log_record(brand=brand, action="product.update", actor=actor, obj=product, data={"photo": "new"})
    return product


def _complements_set(*, brand: Brand, product: Product, complements: Iterable[Any]) -> None:
    ids = {getattr(c, "pk", c) for c in complements}
    ids.discard(product.pk)
    found = list(Product.objects.filter(brand=brand, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"complements": [_("Unknown complementary product.")]})
    product.complements.set(found, through_defaults={"brand": brand})


@transaction.atomic
def product_create(
    *,
    brand: Brand,
    reference: str,
    name_en: str,
    name_fr: str = "",
    collection: str = "",
    category: str = Category.OTHER,
    metal: str = "",
    stones: str = "",
    price: Decimal | None = None,
    currency: str = "",
    warranty_months: int = 24,
    service_interval_months: int | None = None,
    photo: Any = None,
    complements: Iterable[Any] = (),
    is_active: bool = True,
    actor: Any = None,
) -> Product:
    product = Product(
        brand=brand,
        reference=reference,
        name_en=(name_en or "").strip(),
        name_fr=(name_fr or "").strip(),
        collection=(collection or "").strip(),
        category=category,
        metal=metal,
        stones=stones,
        price=price,
        currency=currency or brand.default_currency,
        warranty_months=warranty_months,
        service_interval_months=service_interval_months,
        is_active=is_active,
    )
    _product_validate(brand=brand, product=product)
    if photo:
        _photo_set(brand=brand, product=product, photo=photo)
    product.save()
    if complements:
        _complements_set(brand=brand, product=product, complements=complements)
    audit_log_record(
        brand=brand, action="product.create", actor=actor, obj=product, data={"reference": product.reference}
    )
    return product


@transaction.atomic
def product_update(
    *,
    brand: Brand,
    product: Product,
    complements: Iterable[Any] | None = None,
    actor: Any = None,
    **fields: Any,
) -> Product:
    """Change a product's fields (any of PRODUCT_FIELDS) and, when given, its complementary products."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_update got unknown fields {sorted(unknown)}")
    if product.brand_id != brand.pk:
        raise ValidationError(_("Unknown product."))
    photo = fields.pop("photo", None)
    before = {name: str(getattr(product, name)) for name in fields}
    for name, value in fields.items():
        setattr(product, name, value)
    _product_validate(brand=brand, product=product)
    if photo:
        _photo_set(brand=brand, product=product, photo=photo)
        fields["photo"] = photo
        before["photo"] = ""
    product.save()
    if complements is not None:
        _complements_set(brand=brand, product=product, complements=complements)
    changed = {n: str(getattr(product, n)) for n in fields if before[n] != str(getattr(product, n))}
    if changed or complements is not None:
        audit_log_record(brand=brand, action="product.update", actor=actor, obj=product, data=changed)
    return product
