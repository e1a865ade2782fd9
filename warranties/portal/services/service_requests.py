"""Service requests: an owner asks for a service, the store receives or it is cancelled."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties import services as warranty_services
from warranties.inventory.models import Item
from warranties.portal.models import ServiceRequest, ServiceRequestStatus
from warranties.portal.services.common import FLAGGED


def _owned_item(*, customer: Customer, item: Item) -> Item:
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if locked.owner_id != customer.pk:
        raise ValidationError(_("This piece is no longer registered to you."), code="not_owner")
    return locked


@transaction.atomic
def service_request_create(
    *, brand: Brand, customer: Customer, item: Item, store: Any, kind: str, message: str = ""
) -> ServiceRequest:
    from warranties.models import InterventionKind

    locked = _owned_item(customer=customer, item=item)
    if locked.status in FLAGGED:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot be serviced."), code="flagged"
        )
    if kind not in InterventionKind.values:
        raise ValidationError(_("Choose a service."), code="invalid")
    if store is None or store.brand_id != brand.pk or not store.is_active:
        raise ValidationError(_("Choose a store."), code="invalid")
    request = ServiceRequest.objects.create(
        brand=brand, item=locked, customer=customer, store=store, kind=kind, message=message.strip()[:2000]
    )
    audit_log_record(brand=brand, action="service_request.create", obj=request, data={"item": locked.serial})
    return request


@transaction.atomic
def service_request_receive(
    *, brand: Brand, service_request: ServiceRequest, store: Any, actor: Any
) -> ServiceRequest:
    """The store has the piece in hand: the request becomes an intervention (contract C2)."""

    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.store_id != store.pk or locked.status != ServiceRequestStatus.REQUESTED:
        raise ValidationError(_("This request is no longer waiting for this store."), code="not_waiting")
    intervention = warranty_services.intervention_create(
        brand=brand,
        item=locked.item,
        store=store,
        kind=locked.kind,
        received_on=timezone.localdate(),
        description=locked.message,
        created_by=actor,
    )
    locked.status = ServiceRequestStatus.RECEIVED
    locked.intervention = intervention
    locked.received_at = timezone.now()
    locked.received_by = actor if getattr(actor, "pk", None) else None
    locked.save(update_fields=["status", "intervention", "received_at", "received_by"])
    return locked


@transaction.atomic
def service_request_cancel(
    *, brand: Brand, service_request: ServiceRequest, customer: Customer
) -> ServiceRequest:
    locked = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if locked.customer_id != customer.pk or locked.status != ServiceRequestStatus.REQUESTED:
        raise ValidationError(_("This request can no longer be cancelled."), code="not_waiting")
    locked.status = ServiceRequestStatus.CANCELLED
    locked.save(update_fields=["status"])
    return locked
