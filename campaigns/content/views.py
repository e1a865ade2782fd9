"""Pages of campaign e-mail templates, and the public tracking endpoints of the e-mails sent from them."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigns.content import services, tracking
from campaigns.content.models import TrackingKind
from jewelcrm.tenancy.context import brand_context

# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record the click and go to the address inside the signature; anything else is a 404."""
    link = tracking.click_read(token)
    if link is None:
        raise Http404
    with brand_context(link.brand_id):
        services.tracking_record(
            brand_id=link.brand_id, message_key=link.message_key, kind=TrackingKind.CLICKED, url=link.url
        )
    return HttpResponseRedirect(link.url)


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    link = tracking.open_read(token)
    if link is None:
        raise Http404
    with brand_context(link.brand_id):
        services.tracking_record(
            brand_id=link.brand_id, message_key=link.message_key, kind=TrackingKind.OPENED
        )
    return HttpResponse(PIXEL, content_type="image/gif")
