"""The public page's "found or offered this piece?" report."""

from __future__ import annotations

from django.db import transaction

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties.inventory.models import Item
from warranties.portal import emails
from warranties.portal.models import FoundReport
from warranties.portal.services.common import _language


@transaction.atomic
def found_report_create(
    *, brand: Brand, item: Item, kind: str, message: str = "", contact: str = "", ip: str | None = None
) -> FoundReport:
    """Someone found or was offered the piece: alert the brand and the owner; tell the sender nothing."""
    report = FoundReport.objects.create(
        brand=brand,
        item=item,
        kind=kind if kind in ("found", "offered") else "found",
        message=message.strip()[:2000],
        contact=contact.strip()[:200],
        ip=ip,
    )
    context = {
        "brand_name": brand.name,
        "serial": item.serial,
        "product": item.product.name_en,
        "kind": report.kind,
        "message": report.message,
        "contact": report.contact,
        "status": item.status,
    }
    emails.send_after_commit(
        to=emails.brand_alert_recipients(brand=brand),
        template="found_alert",
        language=brand.default_language,
        context={**context, "for_brand": True},
    )
    owner = item.owner
    if owner is not None and owner.email:
        emails.send_after_commit(
            to=[owner.email],
            template="found_alert",
            language=_language(brand, owner),
            context={**context, "for_brand": False, "serial": "", "contact": report.contact},
        )
    audit_log_record(brand=brand, action="item.found_report", obj=item, ip=ip, data={"kind": report.kind})
    return report
