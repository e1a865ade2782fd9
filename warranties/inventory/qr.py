"""QR codes of public item codes (contract C6): inline SVG for pages, PNG for PDFs when Pillow is present."""

from __future__ import annotations

import io
import re

import qrcode
from qrcode.image.svg import SvgPathImage

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


def _qr(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str) -> str:
    """Inline SVG markup (no XML declaration) drawing the QR code of `data`, safe to embed in HTML."""
    image = _qr(data).make_image(image_factory=SvgPathImage)
    markup = image.to_string(encoding="unicode")
    markup = _XML_DECLARATION.sub("", markup)
    markup = markup.replace(' id="qr-path"', "")
    return markup.replace("<svg ", '<svg role="img" aria-label="QR code" class="qr" ', 1)


try:  # Pillow is optional: qrcode draws PNGs with it.
    import PIL  # noqa: F401

    def qr_png(data: str) -> bytes:
        """The QR code of `data` as PNG bytes (for PDFs and downloads)."""
        image = _qr(data).make_image(fill_color="black", back_color="white")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

except ImportError:  # pragma: no cover - depends on the environment
    pass
