"""Ownership transfer of a registered piece."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from warranties.inventory.models import Item
from warranties.models import Registration, RegistrationKind
from warranties.services.items import FLAGGED_STATUSES, ITEM_FLAGGED, item_event_add


@transaction.atomic
def registration_transfer(
    *,
    brand: Brand,
    item: Item,
    new_owner: Customer,
    store: Any = None,
    actor: Any = None,
    via: str = "portal",
) -> Registration:
    """Move the ownership of a registered piece to `new_owner`, keeping the warranty dates (contract C3)."""
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if locked.status in FLAGGED_STATUSES:
        raise ValidationError(
            _("This piece has been reported lost or stolen; it cannot change owner."), code=ITEM_FLAGGED
        )
    current = Registration.objects.select_for_update().filter(item=locked, is_current=True).first()
    if current is None:
        raise ValidationError(
            _("This piece has no registered owner to transfer from."), code="not_registered"
        )
    if current.customer_id == new_owner.pk:
        raise ValidationError(_("This customer already owns this piece."), code="same_owner")
    current.is_current = False
    current.save(update_fields=["is_current"])
    staff = actor if actor is not None and getattr(actor, "pk", None) else None
    now = timezone.now()
    registration = Registration.objects.create(
        brand=brand,
        item=locked,
        customer=new_owner,
        store=store or current.store,
        associate=staff,
        sold_on=current.sold_on,
        registered_at=now,
        price_paid=Decimal("0"),
        currency=current.currency,
        warranty_starts_on=current.warranty_starts_on,
        warranty_ends_on=current.warranty_ends_on,
        is_current=True,
        kind=RegistrationKind.TRANSFER,
    )
    locked.owner = new_owner
    locked.save(update_fields=["owner", "updated_at"])
    transfers = Registration.objects.filter(item=locked).count() - 1
    item_event_add(
        brand=brand,
        item=locked,
        kind="ownership_transfer",
        at=now,
        store=store,
        actor=staff,
        is_public=True,
        data={"via": via, "ownership_changes": transfers},
    )
    audit_log_record(
        brand=brand,
        action="registration.transfer",
        actor=staff,
        obj=registration,
        data={"item": locked.serial, "from_registration": current.pk, "via": via},
    )
    return registration
