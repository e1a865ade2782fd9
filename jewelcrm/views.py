"""Project-level views: health check, error pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and Celery worker status, in two round trips (database, one Redis GET).

    200 when the database (and Redis, when configured) answer, even with no worker running
    ("worker": "none": tasks wait in the queue); 503 otherwise, so a load balancer stops sending traffic.
    The worker's status is its heartbeat in Redis (`jewelcrm.health`), never a broadcast ping.
    """
    from django.conf import settings

    from jewelcrm import health

    status: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        status["database"] = f"error: {type(error).__name__}"
    if settings.REDIS_URL:
        try:
            is_worker_alive = health.worker_heartbeat_seen()
            status["redis"] = "ok"
            status["worker"] = "ok" if is_worker_alive else "none"
        except Exception as error:  # noqa: BLE001
            status["redis"] = f"error: {type(error).__name__}"
            status["worker"] = "unknown"  # the broker is down: no way to know about a worker
    else:
        status["redis"] = "not configured"
        status["worker"] = "in-process"
    ok = status["database"] == "ok" and status["redis"] in ("ok", "not configured")
    return JsonResponse({"status": "ok" if ok else "error", **status}, status=200 if ok else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def _api_error(request: HttpRequest, status: int) -> HttpResponse | None:
    """The API answers its errors in its JSON shape, never with an HTML page."""
    from jewelcrm.api import error_response, is_api_request

    return error_response(status) if is_api_request(request) else None


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 400) or render(request, "400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 403) or render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 404) or render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return _api_error(request, 500) or render(request, "500.html", status=500)
