"""Uploaded files are served only through one brand-checked view, in every setting (no static media route).

The default storage's `url(name)` is a signed, time-limited address `/media/<token>`: the token names the
file and the brand in context when the address was made. The view answers the file only when the
signature is valid, younger than MEDIA_URL_MAX_AGE, and the file belongs to that brand (a product photo of
the brand, the brand's logo). Anything else (another brand's file, a stale or forged address, an import
file, a path typed by hand) answers 404 like a missing file.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse

SALT = "jewelcrm.media"
# Only these are answered inline; anything else is a download (no HTML or SVG from an upload in a page).
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def media_url_max_age() -> int:
    return int(getattr(settings, "MEDIA_URL_MAX_AGE", 60 * 60))


def media_token(name: str, brand_id: int | None) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"n": name, "b": brand_id})


class SignedMediaStorage(FileSystemStorage):
    """The file system, addressed only through the brand-checked media view."""

    def url(self, name: str | None) -> str:
        from jewelcrm.tenancy.context import get_current_brand_id

        if not name:
            raise ValueError("This file is not stored.")
        return reverse("media", kwargs={"token": media_token(name, get_current_brand_id())})


def _belongs_to(name: str, brand_id: int | None) -> bool:
    """Does the file belong to the brand the address was made for? (an explicit allow-list of kinds)"""
    from django.db.models import Q

    from jewelcrm.accounts.models import Brand
    from jewelcrm.catalog.models import Product
    from jewelcrm.tenancy.context import brand_context

    if brand_id is None:
        return False
    if Brand.objects.filter(pk=brand_id, logo=name).exists():
        return True
    if name.startswith(f"products/{brand_id}/"):
        with brand_context(brand_id):
            return Product.objects.filter(Q(photo=name) | Q(photo_thumbnail=name)).exists()
    return False


def media_file(request: HttpRequest, token: str) -> FileResponse:
    try:
        signed: dict[str, Any] = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=media_url_max_age()
        )
        name, brand_id = str(signed["n"]), signed["b"]
    except (signing.BadSignature, KeyError, TypeError):
        raise Http404 from None
    if not _belongs_to(name, brand_id) or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=not inline,
        filename=name.rsplit("/", 1)[-1],
        content_type=content_type if inline else "application/octet-stream",
    )
    response["Cache-Control"] = f"private, max-age={media_url_max_age()}"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
