"""Reads of the owner portal and of the public item page."""

from __future__ import annotations

from typing import Any

from jewelcrm.accounts.models import Brand
from jewelcrm.tenancy.context import brand_context
from warranties.portal import codes

# A brand id that never exists: unknown codes run the same item query under it (constant work).
NO_BRAND_ID = 2**62


def public_item_resolve(*, raw_code: str) -> tuple[Brand, int] | None:
    """(brand, item id) for a public code, or None. Runs the same queries whether or not the code exists."""
    from warranties.inventory.models import Item

    code = codes.normalise(raw_code)
    brand_prefix = codes.prefix(code) if code else ""
    brand = Brand.objects.filter(code_prefix=brand_prefix, is_active=True).first() if brand_prefix else None
    if brand_prefix == "":
        Brand.objects.filter(code_prefix="\x00").first()  # same round trip as a real prefix
    with brand_context(brand.pk if brand is not None else NO_BRAND_ID):
        item_id = Item.objects.filter(public_code=code or "").values_list("pk", flat=True).first()
    if brand is None or item_id is None:
        return None
    return brand, item_id


def public_item_page(*, brand: Brand, item_id: int) -> dict[str, Any] | None:
    """What the public page shows. Call inside brand_context(brand)."""
    from warranties.inventory.models import Item

    item = Item.objects.select_related("product").filter(pk=item_id).first()
    if item is None:
        return None
    return {"item": item, "product": item.product, "is_flagged": item.is_flagged, "status": item.status}
