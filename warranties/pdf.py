"""The warranty card as a PDF (reportlab), with the QR code of the piece's public page."""

from __future__ import annotations

import io
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def _qr_drawing(data: str, size: float) -> Drawing:
    widget = QrCodeWidget(data)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def _brand_colour(brand: Any) -> colors.Color:
    try:
        return colors.HexColor(brand.primary_colour or "#1F3A5F")
    except ValueError:
        return colors.HexColor("#1F3A5F")


def _logo(brand: Any) -> ImageReader | None:
    if not getattr(brand, "logo", None):
        return None
    try:
        with brand.logo.open("rb") as handle:
            return ImageReader(io.BytesIO(handle.read()))
    except Exception:  # noqa: BLE001 - an unreadable or vector logo falls back to the brand's name
        return None


def warranty_card_pdf(*, registration: Any, compress: bool = True) -> bytes:
    """The card, landscape A5: a band in the brand's colour with its logo or name, the title, the piece and
    its owner (and the gift line the web card has), the sale and the warranty, the QR code of the piece's
    public page, and the brand's postal address."""
    from warranties.emails import public_item_url

    item, brand = registration.item, registration.brand
    url = public_item_url(item)
    colour = _brand_colour(brand)
    ink, muted, line = colors.HexColor("#1C1F26"), colors.HexColor("#6B6F78"), colors.HexColor("#E4DED4")
    buffer = io.BytesIO()
    width, height = landscape(A5)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1 if compress else 0)
    pdf.setTitle(f"{brand.name} · {item.serial}")
    pdf.setAuthor(brand.name)
    margin = 12 * mm
    band = 26 * mm

    # The band: the brand's colour, its logo or its name.
    pdf.setFillColor(colour)
    pdf.rect(0, height - band, width, band, stroke=0, fill=1)
    logo = _logo(brand)
    if logo is not None:
        pdf.drawImage(logo, margin, height - band + 6 * mm, height=14 * mm, width=50 * mm,
                      preserveAspectRatio=True, anchor="w", mask="auto")  # fmt: skip
    else:
        pdf.setFillColor(colors.white)
        pdf.setFont("Times-Roman", 22)
        pdf.drawString(margin, height - band + 9 * mm, brand.name)
    pdf.setFillColor(colors.white)
    pdf.setFont("Helvetica", 9)
    pdf.drawRightString(width - margin, height - band + 10 * mm, _("Certificate of warranty").upper())

    # The piece, large, then its facts in two columns.
    top = height - band - 14 * mm
    pdf.setFillColor(ink)
    pdf.setFont("Times-Roman", 20)
    pdf.drawString(margin, top, str(item.product.name)[:48])
    pdf.setFillColor(muted)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(
        margin, top - 6 * mm, f"{_('Reference')} {item.product.reference} · {_('Serial')} {item.serial}"
    )
    pdf.setStrokeColor(colour)
    pdf.setLineWidth(1.2)
    pdf.line(margin, top - 10 * mm, margin + 40 * mm, top - 10 * mm)

    owner = registration.customer.display_name
    facts = [
        (_("Owner"), owner),
        (_("Sold by"), f"{registration.store.name}, {registration.store.city}".strip(", ")),
        (_("Date of sale"), formats.date_format(registration.sold_on, "DATE_FORMAT")),
        (_("Warranty until"), formats.date_format(registration.warranty_ends_on, "DATE_FORMAT")),
        (_("Public code"), item.public_code),
    ]
    if registration.is_gift:
        facts.insert(1, (_("Gift for"), registration.gift_recipient_name or _("a loved one")))
    qr_size = 44 * mm
    column = (width - 2 * margin - qr_size - 8 * mm) / 2
    y = top - 20 * mm
    for index, (label, value) in enumerate(facts):
        x = margin + (index % 2) * column
        if index and index % 2 == 0:
            y -= 13 * mm
        pdf.setFillColor(muted)
        pdf.setFont("Helvetica", 7.5)
        pdf.drawString(x, y, str(label).upper())
        pdf.setFillColor(ink)
        pdf.setFont("Helvetica-Bold" if index == 0 else "Helvetica", 11)
        pdf.drawString(x, y - 5 * mm, str(value)[:40])

    # The QR code of the public page, framed, with what it does.
    qr_x, qr_y = width - margin - qr_size, height - band - 12 * mm - qr_size
    pdf.setStrokeColor(line)
    pdf.setLineWidth(0.8)
    pdf.roundRect(qr_x - 3 * mm, qr_y - 9 * mm, qr_size + 6 * mm, qr_size + 12 * mm, 3 * mm)
    renderPDF.draw(_qr_drawing(url, qr_size), pdf, qr_x, qr_y)
    pdf.setFillColor(muted)
    pdf.setFont("Helvetica", 7)
    pdf.drawCentredString(qr_x + qr_size / 2, qr_y - 5 * mm, _("Scan: the piece and its history"))

    # Footer: the brand and its address, a rule in its colour.
    pdf.setStrokeColor(colour)
    pdf.line(margin, 16 * mm, width - margin, 16 * mm)
    pdf.setFillColor(muted)
    pdf.setFont("Helvetica", 7.5)
    address = " ".join((getattr(brand, "postal_address", "") or "").split())
    pdf.drawString(margin, 10 * mm, f"{brand.name}{' · ' + address if address else ''}"[:120])
    pdf.drawRightString(width - margin, 10 * mm, url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
