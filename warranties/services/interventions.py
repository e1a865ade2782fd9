"""Services and repairs: an intervention logged, edited and moved forward."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.currencies import currency_normalise
from warranties.inventory.models import Item
from warranties.models import Intervention, InterventionKind, InterventionStatus, Registration
from warranties.services.items import CURRENCY_UNKNOWN, FLAGGED_STATUSES, ITEM_FLAGGED, item_event_add

STATUS_ORDER = [s.value for s in InterventionStatus]


def registration_covering(*, item: Item, on: date) -> Registration | None:
    """The registration whose warranty covers the day `on`, if any."""
    return (
        Registration.objects.filter(item=item, warranty_starts_on__lte=on, warranty_ends_on__gte=on)
        .order_by("-is_current", "-registered_at")
        .first()
    )


@transaction.atomic
def intervention_create(
    *,
    brand: Brand,
    item: Item,
    store: Any,
    kind: str,
    received_on: date,
    description: str = "",
    created_by: Any = None,
    parts: str = "",
    labour_cost: Decimal | int = 0,
    parts_cost: Decimal | int = 0,
    currency: str = "",
) -> Intervention:
    """Log a piece received for service or repair (contract C2). Refuses pieces reported lost or stolen."""
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if locked.status in FLAGGED_STATUSES:
        raise ValidationError(
            _("This piece has been reported lost or stolen; no intervention can be logged."),
            code=ITEM_FLAGGED,
        )
    if kind not in InterventionKind.values:
        raise ValidationError({"kind": [_("Unknown intervention type.")]}, code="invalid")
    code = currency_normalise(currency or getattr(store, "currency", "") or brand.default_currency)
    if code is None:
        raise ValidationError(
            {"currency": [_("“%(value)s” is not an ISO 4217 currency code.") % {"value": currency}]},
            code=CURRENCY_UNKNOWN,
        )
    if Decimal(labour_cost) < 0 or Decimal(parts_cost) < 0:
        raise ValidationError(_("Costs cannot be negative."), code="invalid")
    staff = created_by if created_by is not None and getattr(created_by, "pk", None) else None
    intervention = Intervention.objects.create(
        brand=brand,
        item=locked,
        store=store,
        kind=kind,
        received_on=received_on,
        description=description,
        parts=parts[:255],
        labour_cost=Decimal(labour_cost),
        parts_cost=Decimal(parts_cost),
        currency=code,
        is_under_warranty=registration_covering(item=locked, on=received_on) is not None,
        created_by=staff,
    )
    item_event_add(
        brand=brand,
        item=locked,
        kind="intervention",
        store=store,
        actor=staff,
        is_public=True,
        data={
            "intervention": intervention.pk,
            "type": kind,
            "status": intervention.status,
            "month": received_on.strftime("%Y-%m"),
        },
    )
    audit_log_record(
        brand=brand,
        action="intervention.create",
        actor=staff,
        obj=intervention,
        data={"item": locked.serial, "kind": kind},
    )
    return intervention


@transaction.atomic
def intervention_update(
    *,
    brand: Brand,
    intervention: Intervention,
    actor: Any = None,
    description: str | None = None,
    parts: str | None = None,
    labour_cost: Decimal | None = None,
    parts_cost: Decimal | None = None,
) -> Intervention:
    """Edit the description, parts and costs of an intervention that has not been returned yet."""
    if intervention.status == InterventionStatus.RETURNED:
        raise ValidationError(_("A returned intervention can no longer be edited."), code="closed")
    changed = []
    for name, value in (
        ("description", description),
        ("parts", parts),
        ("labour_cost", labour_cost),
        ("parts_cost", parts_cost),
    ):
        if value is None:
            continue
        if name.endswith("_cost") and Decimal(value) < 0:
            raise ValidationError(_("Costs cannot be negative."), code="invalid")
        setattr(intervention, name, value)
        changed.append(name)
    if changed:
        intervention.save(update_fields=changed)
        audit_log_record(
            brand=brand, action="intervention.update", actor=actor, obj=intervention, data={"fields": changed}
        )
    return intervention


@transaction.atomic
def intervention_advance(
    *,
    brand: Brand,
    intervention: Intervention,
    status: str,
    actor: Any = None,
    on: date | None = None,
) -> Intervention:
    """Move an intervention forward (received → in workshop → ready → returned), never backwards.

    The owner is e-mailed when the piece is ready for collection.
    """
    locked = Intervention.objects.select_for_update().select_related("item").get(pk=intervention.pk)
    if status not in STATUS_ORDER:
        raise ValidationError({"status": [_("Unknown status.")]}, code="invalid")
    if STATUS_ORDER.index(status) <= STATUS_ORDER.index(locked.status):
        raise ValidationError(_("An intervention only moves forward."), code="status_backwards")
    day = on or timezone.localdate()
    locked.status = status
    fields = ["status"]
    if status in (InterventionStatus.READY, InterventionStatus.RETURNED) and locked.ready_on is None:
        locked.ready_on = day
        fields.append("ready_on")
    if status == InterventionStatus.RETURNED:
        locked.returned_on = day
        fields.append("returned_on")
    locked.save(update_fields=fields)
    staff = actor if actor is not None and getattr(actor, "pk", None) else None
    item_event_add(
        brand=brand,
        item=locked.item,
        kind="intervention_status",
        store=locked.store,
        actor=staff,
        is_public=True,
        data={"intervention": locked.pk, "type": locked.kind, "status": status},
    )
    if status == InterventionStatus.READY and locked.item.owner_id:
        # In the send log with the status change: sent once, after the commit.
        from warranties.emails import intervention_ready_email_record

        intervention_ready_email_record(brand=brand, intervention=locked)
    return locked
