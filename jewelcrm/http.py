"""Request helpers every app's views use."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (the proxy in front sets REMOTE_ADDR), for audit and limits."""
    return request.META.get("REMOTE_ADDR") or None
