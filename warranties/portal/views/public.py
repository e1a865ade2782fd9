"""C8: the public page of an item at /i/<code> (what the QR code on the warranty card points to)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from jewelcrm.tenancy.context import brand_context


def public_item(request: HttpRequest, code: str) -> HttpResponse:
    from warranties.portal import selectors

    found = selectors.public_item_resolve(raw_code=code)
    if found is None:
        raise Http404
    brand, item_id = found
    with brand_context(brand):
        page = selectors.public_item_page(brand=brand, item_id=item_id)
        if page is None:
            raise Http404
        response = TemplateResponse(request, "portal/public_item.html", {"page": page, "portal_brand": brand})
        response.render()
    return response
