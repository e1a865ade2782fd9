"""Per-API-key rate limit. Session calls are not limited here (they come from signed-in pages).

A fixed window (jewelcrm.ratelimit): at most N calls per window opened by the key's first call, one
counter increment per call. DRF's own SimpleRateThrottle keeps every call's time in a list that it reads
and writes back whole on each call, which grows with the rate.
"""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from jewelcrm import ratelimit
from jewelcrm.accounts.models import APIKey


class APIKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"
    remaining = 0

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = request.auth if isinstance(request.auth, APIKey) else None
        if key is None:
            return None
        # The brand is part of the key, as every cache and rate-limit key must be.
        return f"throttle:api_key:brand:{key.brand_id}:key:{key.pk}"

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # An API key is a known caller: with Redis down the call goes through (logged), never a 500.
        hits, self.remaining = ratelimit.count(self.key, window=self.duration, fail_open=True)
        return hits <= self.num_requests

    def wait(self) -> float:
        return float(self.remaining)
