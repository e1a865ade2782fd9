"""Hostile input refused once, for the whole site, before any view sees it; private pages never stored.

- A NUL character in the path or in any query parameter (name or value) answers 400: PostgreSQL
  cannot store it, and every view that passed it to a query used to answer 500.
- An API body larger than DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 (the API's JSON parser reads the
  body as a stream, which Django's own cap does not cover).

Pages get the 400 page; API calls get the API's error shape (`jewelcrm.api.error_response`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from jewelcrm.api import is_api_request

NUL = "\x00"


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info:
        return True
    return any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists())


class HostileInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from jewelcrm.api import error_response
        from jewelcrm.views import error_400

        if _has_nul(request):
            if is_api_request(request):
                return error_response(400, "A NUL character is not allowed in an address.", "bad_request")
            return error_400(request)
        if is_api_request(request) and self._too_large(request):
            return error_response(413, "The request body is too large.", "too_large")
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest) -> bool:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return limit is not None and length > limit

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig) and is_api_request(request):
            from jewelcrm.api import error_response

            return error_response(413, "The request body is too large.", "too_large")
        return None


class PrivatePagesMiddleware:
    """Signed-in and portal pages are never stored by a browser or a proxy (`Cache-Control: no-store`).

    A page is private when a person is signed in, when the request carries a session (a portal owner is
    signed in through the session), or when it is a page of the owner portal.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils.cache import patch_cache_control

        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            (user is not None and user.is_authenticated)
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.path_info.startswith("/portal/")
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response
