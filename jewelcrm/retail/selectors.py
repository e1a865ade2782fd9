"""Reads of the retail network."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jewelcrm.accounts.models import Brand
from jewelcrm.retail.models import Retailer, Store


def retailer_list(*, brand: Brand) -> QuerySet[Retailer]:
    return Retailer.objects.filter(brand=brand).order_by("name")


def retailer_get(*, brand: Brand, retailer_id: int) -> Retailer | None:
    return Retailer.objects.filter(brand=brand, pk=retailer_id).first()


def store_list(
    *,
    brand: Brand,
    search: str = "",
    country: str = "",
    type: str = "",
    retailer_id: int | None = None,
    is_active: bool | None = None,
) -> QuerySet[Store]:
    stores = Store.objects.filter(brand=brand).select_related("retailer")
    search = (search or "").strip()
    if search:
        stores = stores.filter(
            Q(code__icontains=search)
            | Q(name__icontains=search)
            | Q(city__icontains=search)
            | Q(retailer__name__icontains=search)
        )
    if country:
        stores = stores.filter(country=country.upper())
    if type:
        stores = stores.filter(type=type)
    if retailer_id:
        stores = stores.filter(retailer_id=retailer_id)
    if is_active is not None:
        stores = stores.filter(is_active=is_active)
    return stores.order_by("code")


def store_get(*, brand: Brand, store_id: int) -> Store | None:
    return Store.objects.filter(brand=brand, pk=store_id).select_related("retailer").first()


def store_get_by_code(*, brand: Brand, code: str) -> Store | None:
    return (
        Store.objects.filter(brand=brand, code__iexact=(code or "").strip())
        .select_related("retailer")
        .first()
    )


def store_countries(*, brand: Brand) -> list[str]:
    return list(
        Store.objects.filter(brand=brand).order_by("country").values_list("country", flat=True).distinct()
    )
