from typing import Any

from django.http import HttpRequest

from jewelcrm.accounts.navigation import entries_for
from jewelcrm.accounts.roles import RETAIL_ROLES


def navigation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    brand = getattr(request, "brand", None)
    if membership is None or brand is None:
        return {}
    area = "intranet" if membership.role in RETAIL_ROLES else "dashboard"
    return {
        "nav_area": area,
        "nav_items": entries_for(area=area, role=membership.role, brand_slug=brand.slug, current_path=request.path),
    }
