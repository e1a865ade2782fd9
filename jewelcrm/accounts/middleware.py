"""Tell a person whose session expired why they are back on the sign-in page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

# A harmless marker (no identifier in it) that outlives the session cookie: when it is present but the
# session is gone, the session expired rather than the person signing out.
MARKER_COOKIE = "jewelcrm_signed_in"
MARKER_MAX_AGE = 60 * 60 * 24 * 30


class SessionExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = self.get_response(request)
        is_signed_in = request.user.is_authenticated
        had_marker = MARKER_COOKIE in request.COOKIES
        if is_signed_in:
            if not had_marker:
                response.set_cookie(
                    MARKER_COOKIE,
                    "1",
                    max_age=MARKER_MAX_AGE,
                    httponly=True,
                    secure=settings.SESSION_COOKIE_SECURE,
                    samesite="Lax",
                )
        elif had_marker:
            if not was_signed_in and self._redirects_to_login(response):
                messages.warning(request, _("Your session has expired. Please sign in again."))
            response.delete_cookie(MARKER_COOKIE, samesite="Lax")
        return response

    @staticmethod
    def _redirects_to_login(response: HttpResponse) -> bool:
        location = response.get("Location", "") if response.status_code in (301, 302, 303, 307) else ""
        return bool(location) and location.split("?")[0] == resolve_url(settings.LOGIN_URL)
