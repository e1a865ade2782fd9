"""Writes of brands, memberships, API keys and the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from jewelcrm.accounts.models import APIKey, AuditLog, Brand, User, hash_api_key


def audit_log_record(
    *, brand: Brand, action: str, actor: User | None = None, obj: Any = None,
    data: dict[str, Any] | None = None, ip: str | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        brand=brand,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        data=data or {},
        ip=ip,
    )


@transaction.atomic
def api_key_create(*, brand: Brand, name: str, created_by: User | None = None) -> tuple[APIKey, str]:
    """Create a key and return it with its raw value, which is never stored and shown only once."""
    raw = APIKey.generate(brand.slug)
    key = APIKey.objects.create(
        brand=brand, name=name, prefix=raw[: len(brand.slug) + 9], hashed_key=hash_api_key(raw), created_by=created_by
    )
    audit_log_record(brand=brand, action="api_key.create", actor=created_by, obj=key, data={"name": name})
    return key, raw


@transaction.atomic
def api_key_revoke(*, brand: Brand, key: APIKey, actor: User | None = None) -> APIKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_log_record(brand=brand, action="api_key.revoke", actor=actor, obj=key)
    return key
