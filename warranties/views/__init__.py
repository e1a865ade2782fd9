"""Intranet pages (retailer staff, one store): sale registration, warranty card, recognition,
interventions and the store's warranty claims. Thin: validate, call one service or selector, render.
One module per use case; this package exports the views the URLconf names.
"""

from jewelcrm.forms import form_add_service_errors as apply_service_error
from jewelcrm.http import client_ip
from warranties.views.base import (
    EVENT_LABELS,
    OPEN_CLAIM_STATUSES,
    PAGE_SIZE,
    BrandOrStoreViewMixin,
    StoreViewMixin,
)
from warranties.views.interventions import (
    InterventionCreateView,
    InterventionDetailView,
    InterventionListView,
    StoreClaimListView,
)
from warranties.views.lookup import LookupView
from warranties.views.sales import (
    CustomerLookupPartialView,
    ItemLookupPartialView,
    RegistrationCardPDFView,
    RegistrationCardView,
    RegistrationCreateView,
)

__all__ = [
    "BrandOrStoreViewMixin",
    "CustomerLookupPartialView",
    "EVENT_LABELS",
    "InterventionCreateView",
    "InterventionDetailView",
    "InterventionListView",
    "ItemLookupPartialView",
    "LookupView",
    "OPEN_CLAIM_STATUSES",
    "PAGE_SIZE",
    "RegistrationCardPDFView",
    "RegistrationCardView",
    "RegistrationCreateView",
    "StoreClaimListView",
    "StoreViewMixin",
    "apply_service_error",
    "client_ip",
]
