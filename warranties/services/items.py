"""The item's timeline and the states that stop a piece: shared by every warranty write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from warranties.inventory.models import Item, ItemStatus
from warranties.inventory.public_cache import public_page_forget
from warranties.models import ItemEvent

FLAGGED_STATUSES = frozenset({ItemStatus.LOST, ItemStatus.STOLEN})
# Error codes shared by the pages and the API.
ITEM_NOT_FOUND = "item_not_found"
ITEM_ALREADY_SOLD = "item_already_sold"
ITEM_FLAGGED = "item_flagged"
ITEM_UNAVAILABLE = "item_unavailable"
CURRENCY_UNKNOWN = "currency_unknown"


def item_event_add(
    *,
    brand: Brand,
    item: Item,
    kind: str,
    store: Any = None,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    is_public: bool = False,
    at: Any = None,
) -> ItemEvent:
    """Add one line to an item's timeline. A public line (what `/i/<code>` shows) makes the public page
    forget its cached copy, so the page shows the change at once."""
    event = ItemEvent.objects.create(
        brand=brand,
        item=item,
        kind=kind,
        store=store,
        actor=actor,
        data=data or {},
        is_public=is_public,
        at=at or timezone.now(),
    )
    if is_public:
        public_page_forget(item=item)
    return event


def item_not_found_error() -> ValidationError:
    # Unknown serial and another brand's serial give exactly this answer.
    return ValidationError(_("No item of this brand has this serial or code."), code=ITEM_NOT_FOUND)
