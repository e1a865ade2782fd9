"""Project-level views: health check, error pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and Celery worker status. 200 when the database answers, else 503."""
    from django.conf import settings

    status: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        status["database"] = f"error: {type(error).__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
            status["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            status["redis"] = f"error: {type(error).__name__}"
        try:
            from jewelcrm.celery import app

            replies = app.control.ping(timeout=0.5) or []
            status["worker"] = "ok" if replies else "none"
        except Exception as error:  # noqa: BLE001
            status["worker"] = f"error: {type(error).__name__}"
    else:
        status["redis"] = "not configured"
        status["worker"] = "in-process"
    ok = status["database"] == "ok"
    return JsonResponse({"status": "ok" if ok else "error", **status}, status=200 if ok else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
