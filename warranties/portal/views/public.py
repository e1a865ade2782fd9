"""C8: the public page of an item at /i/<code> (what the QR code on the warranty card points to).

Never shows a name, an e-mail, a phone or an address. Unknown codes answer 404 after the same work as
known ones (see warranties.portal.public). Look-ups are rate-limited per IP
(settings.PORTAL_PUBLIC_LOOKUP_RATE) and logged.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from jewelcrm.tenancy.context import brand_context
from warranties.portal import public, ratelimit, selectors, services
from warranties.portal.forms import FoundForm
from warranties.portal.views.base import client_ip

logger = logging.getLogger("jewelcrm.portal.public")


def _too_many(request: HttpRequest) -> HttpResponse:
    response = TemplateResponse(request, "portal/too_many.html", {}, status=429)
    response["Retry-After"] = "60"
    return response


@require_http_methods(["GET", "HEAD"])
def public_item(request: HttpRequest, code: str) -> HttpResponse:
    found = public.lookup(raw_code=code, ip=client_ip(request), request=request)
    if not found.allowed:
        logger.warning("public item lookup rate-limited ip=%s", client_ip(request))
        return _too_many(request)
    if found.page is None:
        raise Http404
    if not request.user.is_authenticated:
        # The shared rendering, with this visitor's CSRF token and address filled in.
        return HttpResponse(public.personalise(page=found.page, request=request))
    context = public.page_parts(resolved=found.resolved, request=request)  # type: ignore[arg-type]
    if context is None:
        raise Http404
    return TemplateResponse(request, "portal/public_item.html", context)


@require_http_methods(["GET", "POST"])
def found_report(request: HttpRequest, code: str) -> HttpResponse:
    """'Found or offered this piece?': alerts the brand and the owner; the sender always gets one answer."""
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
                services.found_report_create(
                    brand=brand,
                    item=item,
                    kind=form.cleaned_data["kind"],
                    message=form.cleaned_data["message"],
                    contact=form.cleaned_data["contact"],
                    ip=ip,
                )
    return TemplateResponse(request, "portal/found_thanks.html", {})
