"""Per-API-key rate limit. Session calls are not limited here (they come from signed-in pages)."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from jewelcrm.accounts.models import APIKey


class APIKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = request.auth if isinstance(request.auth, APIKey) else None
        if key is None:
            return None
        # The brand is part of the key, as every cache and rate-limit key must be.
        return f"throttle:api_key:brand:{key.brand_id}:key:{key.pk}"
