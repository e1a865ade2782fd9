"""What every intranet page of the warranty shares: the store mixins and labels (the request and form
helpers come from the platform: jewelcrm.http, jewelcrm.forms)."""

from __future__ import annotations

from typing import Any

from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from warranties.labels import ITEM_EVENT_LABELS
from warranties.models import ClaimStatus

PAGE_SIZE = 25
OPEN_CLAIM_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED)
# The labels of the item events (registered in jewelcrm.labels; jewelcrm.labels.event_label names the
# status an intervention moved to).
EVENT_LABELS = ITEM_EVENT_LABELS


class StoreViewMixin(BrandViewMixin):
    """Intranet page: retailer staff, scoped to the store of their membership."""

    allowed_roles = RETAIL_ROLES

    @property
    def store(self) -> Any:
        return self.membership.store


class BrandOrStoreViewMixin(BrandViewMixin):
    """Pages that brand staff see for the whole brand and retailer staff for their store."""

    allowed_roles = BRAND_ROLES | RETAIL_ROLES

    @property
    def store(self) -> Any:
        return self.membership.store if self.membership.role in RETAIL_ROLES else None
