"""The API's permission on brand master data writes."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions

from jewelcrm.accounts.roles import ADMIN_ROLES


def require_admin(view: Any) -> None:
    """Writes: an API key (the brand's integration) or a session of an owner or admin."""
    membership = getattr(view, "membership", None)
    if membership is not None and membership.role not in ADMIN_ROLES:
        raise exceptions.PermissionDenied()
