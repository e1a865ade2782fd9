"""What every intranet page of the warranty shares: the store mixins, the error helpers, labels."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from warranties.labels import ITEM_EVENT_LABELS
from warranties.models import ClaimStatus

PAGE_SIZE = 25
OPEN_CLAIM_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED)
# The labels of the item events (registered in jewelcrm.labels; jewelcrm.labels.event_label names the
# status an intervention moved to).
EVENT_LABELS = ITEM_EVENT_LABELS


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def apply_service_error(form: Any, error: ValidationError, default_field: str | None = None) -> None:
    """Put a service's ValidationError next to the fields it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(default_field, error.messages)


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
