"""What the inventory adds to pages of the apps above it (see jewelcrm/accounts/panels.py)."""

from __future__ import annotations

from typing import Any

from warranties.inventory.models import Item

# A customer's thumbnails in the client book: a few pieces are enough.
PRODUCTS_PER_CUSTOMER = 3


def customer_products(*, brand: Any, customer_ids: list[int]) -> dict[int, list[Any]]:
    """The products of the pieces each customer owns, newest piece first; one query."""
    owned: dict[int, list[Any]] = {}
    if not customer_ids:
        return owned
    items = (
        Item.objects.filter(brand=brand, owner_id__in=customer_ids)
        .select_related("product")
        .order_by("owner_id", "-created_at", "-pk")
    )
    for item in items:
        products = owned.setdefault(item.owner_id, [])
        if len(products) < PRODUCTS_PER_CUSTOMER and item.product not in products:
            products.append(item.product)
    return owned
