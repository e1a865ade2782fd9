"""How the tenancy machinery resolves brands, memberships and API keys (see jewelcrm.tenancy.access)."""

from __future__ import annotations

from typing import Any

from jewelcrm.accounts import selectors
from jewelcrm.accounts.models import APIKey, Brand


class AccountsBrandAccess:
    def brand_get_by_slug(self, *, slug: str) -> Brand | None:
        return selectors.brand_get_by_slug(slug=slug)

    def membership_get(self, *, brand: Any, user: Any) -> Any | None:
        return selectors.membership_get(brand=brand, user=user)

    def api_key_brand(self, auth: Any) -> Brand | None:
        return auth.brand if isinstance(auth, APIKey) else None

    def active_brand_ids(self) -> list[int]:
        return list(Brand.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
