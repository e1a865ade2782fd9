"""The owner portal's rate limits: fixed-window counters (jewelcrm.ratelimit) under "portal:rl:"."""

from __future__ import annotations

from django.conf import settings

from jewelcrm import ratelimit as counters
from jewelcrm.ratelimit import parse_rate, raw_redis, redis_client

__all__ = ["hit", "parse_rate", "raw_redis", "redis_client"]


def hit(key: str, *, rate: str) -> bool:
    """Count one hit of a portal limit; True while within the rate, False beyond it."""
    return counters.hit(f"portal:rl:{key}", rate=rate)


def setting(name: str, default: str) -> str:
    return str(getattr(settings, name, default) or default)


def public_lookup_rate() -> str:
    return setting("PORTAL_PUBLIC_LOOKUP_RATE", "30/m")


def sign_in_email_rate() -> str:
    return setting("PORTAL_SIGN_IN_EMAIL_RATE", "5/h")


def sign_in_ip_rate() -> str:
    return setting("PORTAL_SIGN_IN_IP_RATE", "20/h")


def form_ip_rate() -> str:
    return setting("PORTAL_FORM_IP_RATE", "10/h")
