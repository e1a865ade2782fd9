"""API-key authentication: `Authorization: Api-Key jck.<brand slug>.<secret>`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from jewelcrm.accounts.models import APIKey, Brand, hash_api_key
from jewelcrm.tenancy.context import brand_context

LAST_USED_RESOLUTION = timedelta(minutes=1)


class APIKeyUser:
    """The caller of an API-key request: authenticated, but not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key: APIKey) -> None:
        self.key = key

    def __str__(self) -> str:
        return f"API key {self.key.name}"


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Any) -> tuple[APIKeyUser, APIKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() not in ("api-key", "bearer") or not raw.startswith("jck."):
            return None
        parts = raw.strip().split(".")
        invalid = exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        if len(parts) != 3:
            raise invalid
        brand = Brand.objects.filter(slug=parts[1], is_active=True).first()
        if brand is None:
            raise invalid
        # A brand view (jewelcrm.tenancy.views.BrandAPIView) keeps the brand's scope for the rest of the
        # call: the key is checked in the call's own transaction. Any other view gets a scope of its own.
        view = (getattr(request, "parser_context", None) or {}).get("view")
        enter = getattr(view, "brand_scope_enter", None)
        if enter is not None:
            enter(brand)
            key = self._key_check(raw.strip(), brand)
        else:
            with brand_context(brand):
                key = self._key_check(raw.strip(), brand)
        if key is None:
            raise invalid
        return APIKeyUser(key), key

    @staticmethod
    def _key_check(raw: str, brand: Brand) -> APIKey | None:
        key = APIKey.objects.filter(hashed_key=hash_api_key(raw), revoked_at__isnull=True).first()
        if key is None:
            return None
        now = timezone.now()
        # "Last used" to the minute: one write a minute per key, not one per request.
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.brand = brand
        return key

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
