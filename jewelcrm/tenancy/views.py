"""The one base view that resolves the brand of a request, checks the membership and scopes the rest.

Pages: the brand comes from the URL (`<slug:brand_slug>`); the user must hold an active membership
of it, else 404 (an unknown brand and a brand the user does not belong to answer alike).
API: the brand comes from the API key, or from the URL for session-authenticated calls.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.views import APIView

from jewelcrm.tenancy.access import brand_access
from jewelcrm.tenancy.context import brand_context


def _render(response: Any) -> Any:
    # Templates are rendered while the brand is still in context.
    if (
        hasattr(response, "render")
        and callable(response.render)
        and not getattr(response, "is_rendered", True)
    ):
        response.render()
    return response


class BrandViewMixin(LoginRequiredMixin):
    """Mix into every brand page. Sets self.brand and self.membership.

    `allowed_roles`: the roles that may open the page (None: any member). A member without the role
    gets 403; a non-member gets 404.
    """

    allowed_roles: frozenset[str] | None = None
    brand: Any
    membership: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        access = brand_access()
        brand = access.brand_get_by_slug(slug=kwargs.get("brand_slug", ""))
        if brand is None:
            raise Http404
        with brand_context(brand):
            membership = access.membership_get(brand=brand, user=request.user)
            if membership is None:
                raise Http404
            if self.allowed_roles is not None and membership.role not in self.allowed_roles:
                raise PermissionDenied
            self.brand = brand
            self.membership = membership
            request.brand = brand  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            return _render(super().dispatch(request, *args, **kwargs))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["brand"] = self.brand
        context["membership"] = self.membership
        return context


class BrandAPIView(APIView):
    """Base of every brand API view: self.brand is set and the whole call is scoped to it.

    The call runs in one brand scope (one transaction): an API key's authentication enters it with the
    key's brand (jewelcrm.accounts.api.authentication) and the view carries on inside it. A call that
    answers 4xx or 5xx is rolled back whole, whether the view raised or returned the error: nothing it
    wrote stays. What must be recorded about a refused call (the trace of a lost or stolen piece offered
    for sale) goes through `after_rollback`, in a transaction of its own.
    """

    allowed_roles: frozenset[str] | None = None
    brand: Any
    membership: Any = None
    _scoped_brand_id: int | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._after_rollback: list[Callable[[], Any]] = []
        with ExitStack() as stack:
            self._brand_scope = stack
            response = _render(super().dispatch(request, *args, **kwargs))
            failed = response.status_code >= 400
            if failed and self._scoped_brand_id is not None:
                transaction.set_rollback(True)
        if failed and self._after_rollback and self._scoped_brand_id is not None:
            with brand_context(self._scoped_brand_id):
                for record in self._after_rollback:
                    record()
        return response

    def after_rollback(self, record: Callable[[], Any]) -> None:
        """Run `record()` once this call, which answers with an error, has been rolled back: inside the
        same brand, in its own transaction."""
        self._after_rollback.append(record)

    def brand_scope_enter(self, brand: Any) -> None:
        """Scope the rest of the call to `brand`, once; a second, different brand is a programming error."""
        if self._scoped_brand_id == brand.pk:
            return
        if self._scoped_brand_id is not None:
            raise RuntimeError("An API call is scoped to one brand only.")
        self._brand_scope.enter_context(brand_context(brand))
        self._scoped_brand_id = brand.pk

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        access = brand_access()
        self.format_kwarg = self.get_format_suffix(**kwargs)
        self.perform_authentication(request)
        key_brand = access.api_key_brand(request.auth)
        if key_brand is not None:
            brand = key_brand
            url_slug = kwargs.get("brand_slug")
            if url_slug and url_slug != brand.slug:
                raise Http404
            self.brand_scope_enter(brand)
        else:
            brand = access.brand_get_by_slug(slug=kwargs.get("brand_slug", ""))
            if brand is None or not request.user.is_authenticated:
                super().initial(request, *args, **kwargs)  # answers 401/403 as DRF does
                raise Http404
            self.brand_scope_enter(brand)
            self.membership = access.membership_get(brand=brand, user=request.user)
            if self.membership is None:
                raise Http404
            if self.allowed_roles is not None and self.membership.role not in self.allowed_roles:
                raise PermissionDenied
        self.brand = brand
        super().initial(request, *args, **kwargs)
