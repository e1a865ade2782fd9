"""What every page's header needs: the role's menu, the brand switcher, the home link.

Everything is computed at most once per request and only when a template reads it (the brand
switcher costs one query, so pages that never render the header pay nothing).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from jewelcrm.accounts.navigation import entries_for
from jewelcrm.accounts.roles import RETAIL_ROLES

_CACHE_ATTR = "_jewelcrm_memberships"


def _home_url(membership: Any) -> str:
    name = "accounts:intranet" if membership.role in RETAIL_ROLES else "accounts:dashboard"
    return reverse(name, kwargs={"brand_slug": membership.brand.slug})


def memberships_of(request: HttpRequest) -> list[Any]:
    """The signed-in user's active memberships across brands, fetched once per request."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            cached = []
        else:
            from jewelcrm.accounts.selectors import membership_list_for_user

            cached = membership_list_for_user(user=user)
        setattr(request, _CACHE_ATTR, cached)
    return cached


def _brand_switch(request: HttpRequest) -> list[dict[str, Any]]:
    brand = getattr(request, "brand", None)
    current_id = getattr(brand, "pk", None)
    return [
        {
            "name": m.brand.name,
            "url": _home_url(m),
            "role": m.get_role_display(),
            "store": m.store.name if m.store_id and m.store else "",
            "current": m.brand_id == current_id,
        }
        for m in memberships_of(request)
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """nav_area, nav_items (the role's menu), home_url, brand_switch (one row per brand of the user)."""
    context: dict[str, Any] = {"brand_switch": SimpleLazyObject(lambda: _brand_switch(request))}
    membership = getattr(request, "membership", None)
    brand = getattr(request, "brand", None)
    if membership is None or brand is None:
        return context
    area = "intranet" if membership.role in RETAIL_ROLES else "dashboard"
    context.update(
        nav_area=area,
        nav_items=entries_for(
            area=area, role=membership.role, brand_slug=brand.slug, current_path=request.path
        ),
        home_url=reverse(f"accounts:{area}", kwargs={"brand_slug": brand.slug}),
    )
    return context
