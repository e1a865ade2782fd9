"""Small helpers shared by the stores, products and items endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from jewelcrm.accounts.roles import ADMIN_ROLES


def require_admin(view: Any) -> None:
    """Writes: an API key (the brand's integration) or a session of an owner or admin."""
    membership = getattr(view, "membership", None)
    if membership is not None and membership.role not in ADMIN_ROLES:
        raise exceptions.PermissionDenied()


def actor_of(request: Request) -> Any:
    from jewelcrm.accounts.models import User

    return request.user if isinstance(request.user, User) else None


def paginated(view: Any, request: Request, queryset: Any, serializer_class: Any) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(
        serializer_class(page, many=True, context={"request": request}).data
    )
