"""Reads of the catalogue."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from jewelcrm.accounts.models import Brand
from jewelcrm.catalog.models import Product


def product_list(
    *, brand: Brand, search: str = "", collection: str = "", category: str = "", is_active: bool | None = None
) -> QuerySet[Product]:
    products = Product.objects.filter(brand=brand)
    search = (search or "").strip()
    if search:
        products = products.filter(
            Q(reference__icontains=search)
            | Q(name_en__icontains=search)
            | Q(name_fr__icontains=search)
            | Q(collection__icontains=search)
        )
    if collection:
        products = products.filter(collection=collection)
    if category:
        products = products.filter(category=category)
    if is_active is not None:
        products = products.filter(is_active=is_active)
    return products.order_by("reference")


def product_get(*, brand: Brand, product_id: int) -> Product | None:
    return (
        Product.objects.filter(brand=brand, pk=product_id)
        .prefetch_related(
            Prefetch("complements", queryset=Product.objects.filter(brand=brand).order_by("reference"))
        )
        .first()
    )


def product_get_by_reference(*, brand: Brand, reference: str) -> Product | None:
    return Product.objects.filter(brand=brand, reference__iexact=(reference or "").strip()).first()


def product_collections(*, brand: Brand) -> list[str]:
    return list(
        Product.objects.filter(brand=brand)
        .exclude(collection="")
        .order_by("collection")
        .values_list("collection", flat=True)
        .distinct()
    )
