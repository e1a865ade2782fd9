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


def products_by_id(
    *, brand: Brand, product_ids: list[int], with_complements: bool = True
) -> dict[int, Product]:
    """These products by id, with the ids of their complements (`complement_ids`, by reference): two
    queries whatever the number of products (one without the complements)."""
    from jewelcrm.catalog.models import ProductComplement

    products = {p.pk: p for p in Product.objects.filter(brand=brand, pk__in=product_ids)}
    if not with_complements or not products:
        return products
    for product in products.values():
        product.complement_ids = []
    links = (
        ProductComplement.objects.filter(brand=brand, from_product_id__in=list(products))
        .order_by("to_product__reference")
        .values_list("from_product_id", "to_product_id")
    )
    for from_id, to_id in links:
        products[from_id].complement_ids.append(to_id)
    return products
