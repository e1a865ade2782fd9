"""C8: the public page of an item at /i/<code> (what the QR code on the warranty card points to).

Never shows a name, an e-mail, a phone or an address. Unknown codes answer 404 after the same
database work as known ones: the brand of the prefix comes from a short cache (known or not), then one
item query runs inside that brand's context, or inside a brand that never exists. Look-ups are
rate-limited per IP (settings.PORTAL_PUBLIC_LOOKUP_RATE) and logged (PublicLookup rows for a known
brand, the "jewelcrm.portal.public" logger for all).
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from jewelcrm.tenancy.context import brand_context
from warranties.portal import ratelimit, selectors, services
from warranties.portal.forms import FoundForm
from warranties.portal.views.base import client_ip

logger = logging.getLogger("jewelcrm.portal.public")


def _too_many(request: HttpRequest) -> HttpResponse:
    response = TemplateResponse(request, "portal/too_many.html", {}, status=429)
    response["Retry-After"] = "60"
    return response


@require_http_methods(["GET", "HEAD"])
def public_item(request: HttpRequest, code: str) -> HttpResponse:
    ip = client_ip(request)
    if not ratelimit.hit(f"public:-:{ip}", rate=ratelimit.public_lookup_rate()):
        logger.warning("public item lookup rate-limited ip=%s", ip)
        return _too_many(request)
    canonical, brand = selectors.public_brand_for_code(raw_code=code)
    with brand_context(brand.pk if brand is not None else selectors.NO_BRAND_ID):
        item_id, version = selectors.public_item_locate(code=canonical)
        logger.info("public item lookup ip=%s brand=%s found=%s", ip, getattr(brand, "pk", "-"), item_id is not None)
        if brand is not None:
            services.public_lookup_log(brand=brand, code=canonical or code, item_id=item_id, ip=ip)
        page = selectors.public_item_page(brand=brand, item_id=item_id, version=version) if item_id else None
        if page is not None:
            response = TemplateResponse(request, "portal/public_item.html",
                                        {"page": page, "portal_brand": brand, "form": FoundForm()})
            response.render()
    if page is None:
        raise Http404  # outside the brand context, so the look-up log is kept
    return response


@require_http_methods(["GET", "POST"])
def found_report(request: HttpRequest, code: str) -> HttpResponse:
    """"Found or offered this piece?": alerts the brand and the owner; the sender always gets the same thanks."""
    if request.method == "GET":
        return redirect("portal:public_item", code=code)
    ip = client_ip(request)
    if not ratelimit.hit(f"public:-:{ip}", rate=ratelimit.public_lookup_rate()):
        return _too_many(request)
    form = FoundForm(request.POST)
    if ratelimit.hit(f"found:-:{ip}", rate=ratelimit.form_ip_rate()) and form.is_valid():
        brand, item_id, _version = selectors.public_item_resolve(raw_code=code)
        if brand is not None and item_id is not None:
            from warranties.inventory.models import Item

            with brand_context(brand):
                item = Item.objects.select_related("product", "owner").get(pk=item_id)
                services.found_report_create(brand=brand, item=item, kind=form.cleaned_data["kind"],
                                             message=form.cleaned_data["message"],
                                             contact=form.cleaned_data["contact"], ip=ip)
    return TemplateResponse(request, "portal/found_thanks.html", {})
