"""What every intranet page of the warranty shares: the store mixins and labels (the request and form
helpers come from the platform: jewelcrm.http, jewelcrm.forms)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _lazy

from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from warranties.models import ClaimStatus

PAGE_SIZE = 25
OPEN_CLAIM_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED)
EVENT_LABELS = {
    "sold": _lazy("Sold"),
    "grey_market": _lazy("Sold outside its allocation (grey market)"),
    "intervention": _lazy("Received for an intervention"),
    "intervention_status": _lazy("Intervention moved on"),
    "ownership_transfer": _lazy("Ownership transferred"),
    "flagged_sale_attempt": _lazy("Attempted sale of a piece reported lost or stolen"),
}


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
