"""Product photos: checked, stored under the brand's folder, and a thumbnail made with Pillow.

A photo arrives from the product page (an upload), from the catalogue import (a `photo` column holding an
https address or the name of a file in PRODUCT_PHOTO_IMPORT_DIR) or from the demo. Whatever its source:
- at most PRODUCT_PHOTO_MAX_BYTES (default 5 MB, as the product form says) and
  PRODUCT_PHOTO_MAX_PIXELS (default 40 megapixels, read from the header before any pixel is decoded:
  a small file claiming 50,000 × 50,000 pixels, an "image bomb", is refused without being decompressed);
- a JPEG, PNG or WebP by its content (the extension is not trusted);
- stored as `products/<brand id>/<reference>.<jpg|png|webp>`, with a thumbnail
  `products/<brand id>/<reference>-thumb.jpg` (at most THUMBNAIL_SIZE pixels a side, orientation from
  EXIF applied, metadata dropped).
Both are served only through the brand-checked media view (jewelcrm.media): the address is signed for the
brand it was made in. The public item page shows the thumbnail through such an address, made while the
page's brand is in context: a product picture, re-encoded without metadata, holds no personal data.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

THUMBNAIL_SIZE = 320
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def max_bytes() -> int:
    return int(getattr(settings, "PRODUCT_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "PRODUCT_PHOTO_MAX_PIXELS", 40_000_000))


def photo_check(data: bytes) -> tuple[Any, str]:
    """(the decoded Pillow image, its extension) or ValidationError saying what is wrong."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes():
        raise ValidationError(
            _("The photo is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}, code="too_large"
        )
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("This file is not a readable image."), code="unreadable") from None
    if image.format not in FORMATS:
        raise ValidationError(_("Upload a JPEG, PNG or WebP image."), code="type")
    width, height = image.size
    if width * height > max_pixels():
        raise ValidationError(
            _("The photo has too many pixels (%(width)s × %(height)s).") % {"width": width, "height": height},
            code="too_many_pixels",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationError(_("This file is not a readable image."), code="unreadable") from None
    return image, FORMATS[image.format]


def thumbnail_bytes(image: Any) -> bytes:
    """A JPEG at most THUMBNAIL_SIZE a side, upright, on white where the photo was transparent."""
    from PIL import Image, ImageOps

    picture = ImageOps.exif_transpose(image)
    picture.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.split()[-1])
        picture = background
    else:
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _safe(reference: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in reference)


def product_photo_store(*, brand: Any, product: Any, data: bytes) -> None:
    """Check the photo, store it and its thumbnail under the brand's folder (the product is not saved)."""
    image, extension = photo_check(data)
    thumbnail = thumbnail_bytes(image)
    base = f"{brand.pk}/{_safe(product.reference)}"
    for field in (product.photo, product.photo_thumbnail):
        if field:
            field.delete(save=False)  # a new photo replaces the old files
    product.photo.save(f"{base}{extension}", ContentFile(data), save=False)
    product.photo_thumbnail.save(f"{base}-thumb.jpg", ContentFile(thumbnail), save=False)


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, refusing to read more than the limit allows."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            _("The photo is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}, code="too_large"
        )
    upload.seek(0)
    data = upload.read(max_bytes() + 1)
    upload.seek(0)
    return data


# --- The catalogue import's photo column ---------------------------------------------------------------

_FILE_NAME = re.compile(r"^[\w][\w .()-]*\.(jpe?g|png|webp)$", re.I)


def photo_source_is_valid(source: str) -> bool:
    """An https address, or a bare file name (no folder, nothing hidden) of a JPEG, PNG or WebP."""
    return source.lower().startswith("https://") or bool(_FILE_NAME.match(source))


def photo_fetch(*, brand: Any, source: str) -> bytes:
    """The bytes of an import's photo: a file of PRODUCT_PHOTO_IMPORT_DIR/<brand slug>/ (each brand
    reads only its own folder), or an https address on the public internet (not a private, loopback or
    link-local address: the server's own network is not reachable through an import)."""
    if source.lower().startswith("https://"):
        return url_fetch(source)
    if not _FILE_NAME.match(source):
        raise ValidationError(_("A photo is an https address or the name of a JPEG, PNG or WebP file."))
    folder = getattr(settings, "PRODUCT_PHOTO_IMPORT_DIR", "")
    if not folder:
        raise ValidationError(_("Photo files are not set up on this server (PRODUCT_PHOTO_IMPORT_DIR)."))
    path = Path(folder) / brand.slug / source
    if not path.is_file():
        raise ValidationError(_("No photo file named %(name)s.") % {"name": source})
    if path.stat().st_size > max_bytes():
        raise ValidationError(_("The photo is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)})
    return path.read_bytes()


def url_fetch(url: str) -> bytes:
    """GET an https address of the public internet, at most max_bytes(), in at most 10 seconds."""
    import ipaddress
    import socket
    import urllib.request
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, 443)}
    except OSError:
        raise ValidationError(_("The photo's address cannot be reached.")) from None
    if not addresses or any(not ipaddress.ip_address(a).is_global for a in addresses):
        raise ValidationError(_("The photo's address is not on the public internet."))
    request = urllib.request.Request(url, headers={"User-Agent": "JewelCRM catalogue import"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - https only, checked above
            data = response.read(max_bytes() + 1)
    except OSError:
        raise ValidationError(_("The photo's address cannot be reached.")) from None
    if len(data) > max_bytes():
        raise ValidationError(_("The photo is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)})
    return data
