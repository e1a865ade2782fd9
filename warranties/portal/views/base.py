"""The portal's own entry point: a public page of one brand, with no staff login.

`PortalBrandMixin` resolves the brand from `brand_slug` (404 when unknown or inactive), enters
`brand_context(brand)` for the whole request and renders template responses before leaving it.
`OwnerRequiredMixin` adds the portal session: the customer id signed in for this brand.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from jewelcrm.http import client_ip
from jewelcrm.tenancy.context import brand_context

__all__ = ["OwnerRequiredMixin", "PortalBrandMixin", "client_ip"]


def _render(response: Any) -> Any:
    if (
        hasattr(response, "render")
        and callable(response.render)
        and not getattr(response, "is_rendered", True)
    ):
        response.render()
    return response


class PortalBrandMixin:
    """Public page of one brand's portal. Sets self.brand and request.portal_brand."""

    brand: Any
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from jewelcrm.accounts.selectors import brand_get_by_slug

        brand = brand_get_by_slug(slug=kwargs.get("brand_slug", ""))
        if brand is None:
            raise Http404
        with brand_context(brand):
            self.brand = brand
            request.portal_brand = brand  # type: ignore[attr-defined]
            return _render(super().dispatch(request, *args, **kwargs))  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["portal_brand"] = self.brand
        context["portal_customer"] = getattr(self, "customer", None)
        return context


class OwnerRequiredMixin(PortalBrandMixin):
    """A page for the signed-in owner of this brand's portal. Sets self.customer."""

    customer: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from jewelcrm.accounts.selectors import brand_get_by_slug

        brand = brand_get_by_slug(slug=kwargs.get("brand_slug", ""))
        if brand is None:
            raise Http404
        from warranties.portal import session as portal_session

        with brand_context(brand):
            self.brand = brand
            request.portal_brand = brand  # type: ignore[attr-defined]
            customer = portal_session.customer_for(request, brand=brand)
            if customer is None:
                return redirect("portal:sign_in", brand_slug=brand.slug)
            self.customer = customer
            return _render(super(PortalBrandMixin, self).dispatch(request, *args, **kwargs))  # type: ignore[misc]
