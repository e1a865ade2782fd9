"""Test-only URLs: the project's, plus views that fail in each way an error page must cover."""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from jewelcrm.urls import handler400, handler403, handler404, handler500  # noqa: F401
from jewelcrm.urls import urlpatterns as project_urlpatterns


def bad_request(request: HttpRequest) -> HttpResponse:
    raise BadRequest("secret detail of a bad request")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("secret detail of a refusal")


def not_found(request: HttpRequest) -> HttpResponse:
    raise Http404("secret detail of a missing page")


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail of a crash")


urlpatterns = [
    path("api/test-errors/400/", bad_request),
    path("api/test-errors/404/", not_found),
    path("api/test-errors/500/", crash),
    path("test-errors/400/", bad_request),
    path("test-errors/403/", forbidden),
    path("test-errors/404/", not_found),
    path("test-errors/500/", crash),
    *project_urlpatterns,
]
