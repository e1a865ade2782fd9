"""The one door to Stripe: a `stripe.StripeClient` built from the settings.

Every write to Stripe carries an idempotency key derived from the local operation (`idempotency_key`),
so a retried call returns the object the first call created. Tests replace the library's HTTP client
(`use_http_client`), never these functions.
"""

from __future__ import annotations

import hashlib
from typing import Any

import stripe
from django.conf import settings

_http_client: Any = None


def billing_enabled() -> bool:
    """Billing is on only when a Stripe secret key is configured."""
    return bool(settings.STRIPE_SECRET_KEY)


def use_http_client(http_client: Any) -> Any:
    """Route every Stripe call through `http_client` (a `stripe.HTTPClient`); returns the previous one."""
    global _http_client
    previous, _http_client = _http_client, http_client
    return previous


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        http_client=_http_client,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def idempotency_key(*parts: Any) -> str:
    """A key naming one local operation: the same operation retried gives the same key."""
    raw = ":".join(str(p) for p in parts)
    return "jewelcrm-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def webhook_secrets() -> list[str]:
    """The endpoint's signing secrets: several while one is being rotated (comma-separated)."""
    return [s.strip() for s in settings.STRIPE_WEBHOOK_SECRET.split(",") if s.strip()]
