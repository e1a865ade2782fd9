"""What every API view shares: one error shape ({"detail": ..., "code": ...} plus field errors under
"errors"), the page-number pagination of list endpoints, the person behind a call."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import exceptions, parsers
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
    page: list[Any] | None = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(
        serializer_class(page, many=True, context={"request": request}).data
    )


# --- Errors raised outside DRF's views (unknown address, crash, hostile input) ------------------

ERROR_DETAILS = {
    400: ("Bad request.", "bad_request"),
    403: ("You do not have permission to perform this action.", "permission_denied"),
    404: ("Not found.", "not_found"),
    413: ("The request body is too large.", "too_large"),
    500: ("A server error occurred.", "server_error"),
}


def is_api_request(request: Any) -> bool:
    return request.path_info.startswith("/api/")


def error_response(status: int, detail: str = "", code: str = "") -> JsonResponse:
    """The API's error shape for a response built outside DRF (middleware, Django's error handlers)."""
    default_detail, default_code = ERROR_DETAILS.get(status, ("Error.", "error"))
    return JsonResponse({"detail": detail or default_detail, "code": code or default_code}, status=status)


# --- A JSON parser that refuses deep nesting --------------------------------------------------

MAX_JSON_DEPTH = 32


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; nesting deeper than MAX_JSON_DEPTH is a 400 (never a RecursionError)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


# --- The OpenAPI shape of a paginated list ------------------------------------------------------


def page_of(serializer_class: Any) -> Any:
    """The schema of a list answered by DRF's PageNumberPagination: count, next, previous, results."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    name = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
