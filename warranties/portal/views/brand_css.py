"""A tiny per-brand stylesheet: the brand's colour as CSS custom properties (no inline style: CSP)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from jewelcrm.accounts.models import colour_validator


@require_GET
@cache_control(public=True, max_age=300)
def brand_css(request: HttpRequest, brand_slug: str) -> HttpResponse:
    from jewelcrm.accounts.selectors import brand_get_by_slug

    brand = brand_get_by_slug(slug=brand_slug)
    if brand is None:
        raise Http404
    colour = brand.primary_colour
    try:
        colour_validator(colour)
    except Exception:  # noqa: BLE001 - a bad value must never reach the stylesheet
        colour = "#1F3A5F"
    css = f"body.portal {{ --accent: {colour}; --brand: {colour}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")
