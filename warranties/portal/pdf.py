"""The warranty card as a PDF for the owner. Uses the warranties' own generator when it exists."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _


def warranty_card_pdf(*, brand: Any, item: Any, registration: Any) -> bytes:
    """The warranties' card (warranties.pdf) for a registered piece; a simple card otherwise."""
    if registration is not None:
        try:
            from warranties.pdf import warranty_card_pdf as card
        except ImportError:
            card = None
        if card is not None:
            return card(registration=registration)
    return _simple_card(brand=brand, item=item, registration=registration)


def _simple_card(*, brand: Any, item: Any, registration: Any) -> bytes:
    from django.conf import settings
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    width, height = landscape(A5)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{brand.name} — {item.serial}")
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(20 * mm, height - 25 * mm, brand.name)
    pdf.setFont("Helvetica", 13)
    pdf.drawString(20 * mm, height - 35 * mm, _("Certificate of warranty"))
    lines = [
        (_("Piece"), f"{item.product.name_en} ({item.product.reference})"),
        (_("Serial"), item.serial),
        (_("Public code"), item.public_code),
    ]
    if registration is not None:
        lines += [
            (_("Sold on"), formats.date_format(registration.sold_on, "DATE_FORMAT")),
            (_("Warranty until"), formats.date_format(registration.warranty_ends_on, "DATE_FORMAT")),
        ]
    y = height - 55 * mm
    for label, value in lines:
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(20 * mm, y, str(label))
        pdf.setFont("Helvetica", 11)
        pdf.drawString(65 * mm, y, str(value))
        y -= 8 * mm
    pdf.setFont("Helvetica", 9)
    pdf.drawString(20 * mm, 15 * mm, settings.SITE_URL.rstrip("/") + "/i/" + item.public_code)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
