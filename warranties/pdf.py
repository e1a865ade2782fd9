"""The warranty card as a PDF (reportlab), with the QR code of the piece's public page."""

from __future__ import annotations

import io
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


def _qr_drawing(data: str, size: float) -> Drawing:
    widget = QrCodeWidget(data)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def warranty_card_pdf(*, registration: Any) -> bytes:
    from warranties.emails import public_item_url

    item, brand = registration.item, registration.brand
    url = public_item_url(item)
    buffer = io.BytesIO()
    width, height = landscape(A5)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"{brand.name} · {item.serial}")
    pdf.setAuthor(brand.name)
    margin = 14 * mm
    pdf.setStrokeColorRGB(0.8, 0.8, 0.8)
    pdf.roundRect(margin / 2, margin / 2, width - margin, height - margin, 6 * mm)
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(margin, height - margin - 8 * mm, brand.name)
    pdf.setFont("Helvetica", 12)
    pdf.drawString(margin, height - margin - 16 * mm, _("Certificate of warranty"))
    lines = [
        (_("Piece"), f"{item.product.reference} · {item.product.name}"),
        (_("Serial"), item.serial),
        (_("Public code"), item.public_code),
        (_("Owner"), registration.customer.full_name),
        (_("Sold by"), f"{registration.store.name}, {registration.store.city}"),
        (_("Date of sale"), formats.date_format(registration.sold_on, "DATE_FORMAT")),
        (_("Warranty until"), formats.date_format(registration.warranty_ends_on, "DATE_FORMAT")),
    ]
    y = height - margin - 32 * mm
    for label, value in lines:
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(margin, y, str(label))
        pdf.setFont("Helvetica", 10)
        pdf.drawString(margin + 35 * mm, y, str(value)[:70])
        y -= 7 * mm
    size = 45 * mm
    renderPDF.draw(_qr_drawing(url, size), pdf, width - margin - size, height - margin - size - 20 * mm)
    pdf.setFont("Helvetica", 7)
    pdf.drawRightString(width - margin, height - margin - size - 24 * mm, url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
