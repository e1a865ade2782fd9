"""What every API view shares: one error shape ({"detail": ..., "code": ...} plus field errors under
"errors"), the page-number pagination of list endpoints, the person behind a call."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": response.data}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"detail": str(exc.detail), "code": codes if isinstance(codes, str) else "error"}
    elif response.status_code == 404:
        response.data = {"detail": "Not found.", "code": "not_found"}
    elif response.status_code == 403:
        response.data = {
            "detail": "You do not have permission to perform this action.",
            "code": "permission_denied",
        }
    return response


def actor_of(request: Request) -> Any:
    """The signed-in person behind an API call, or None for an API key (the brand's integration)."""
    user = getattr(request, "user", None)
    return user if isinstance(user, get_user_model()) else None


def paginated(view: Any, request: Request, queryset: Any, serializer_class: Any) -> Response:
    """One page of `queryset`, in DRF's page-number shape."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(
        serializer_class(page, many=True, context={"request": request}).data
    )
