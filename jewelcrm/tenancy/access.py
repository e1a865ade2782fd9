"""Who may enter a brand: the one question the tenancy machinery asks the accounts app.

Tenancy sits below accounts (accounts' models derive from `BrandScopedModel`), so it cannot import the
brands, memberships and API keys it needs to resolve a request. The accounts app registers how to
answer when Django starts (`AccountsConfig.ready`), the way `AUTH_USER_MODEL` keeps `django.contrib.auth`
independent of the user model.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class BrandAccess(Protocol):
    def brand_get_by_slug(self, *, slug: str) -> Any | None:
        """The active brand of this slug, or None."""

    def membership_get(self, *, brand: Any, user: Any) -> Any | None:
        """The user's active membership of `brand` (in context), or None."""

    def api_key_brand(self, auth: Any) -> Any | None:
        """The brand an API key names, when `auth` (DRF's `request.auth`) is one of the brand's keys."""

    def active_brand_ids(self) -> list[int]:
        """Every active brand, for periodic jobs that fan out one task per brand."""


_registered: BrandAccess | None = None


def brand_access_register(access: BrandAccess) -> None:
    global _registered  # noqa: PLW0603 - one registration, when the accounts app is ready
    _registered = access


def brand_access() -> BrandAccess:
    if _registered is None:
        raise ImproperlyConfigured("No brand access registered: is jewelcrm.accounts in INSTALLED_APPS?")
    return _registered
