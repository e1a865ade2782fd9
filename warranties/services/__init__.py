"""Writes of the warranty core: sale registration, ownership transfer, interventions, warranty claims.

Every function takes `brand` explicitly, runs one transaction per use case and writes the item's
timeline (ItemEvent) in the same transaction as the change. E-mails are sent by Celery tasks enqueued
after commit. One module per use case; this package exports them all.
"""

from warranties.services.claims import CLAIM_DECISIONS, claim_create, claim_decide
from warranties.services.interventions import (
    STATUS_ORDER,
    intervention_advance,
    intervention_create,
    intervention_update,
    registration_covering,
)
from warranties.services.items import (
    CURRENCY_UNKNOWN,
    FLAGGED_STATUSES,
    ITEM_ALREADY_SOLD,
    ITEM_FLAGGED,
    ITEM_NOT_FOUND,
    ITEM_UNAVAILABLE,
    item_event_add,
    item_not_found_error,
)
from warranties.services.sales import (
    ALERT_DEDUPE_SECONDS,
    CONSENT_WORDING_VERSION,
    MARKETING_CHANNELS,
    REGISTRABLE_STATUSES,
    CustomerInput,
    GiftInput,
    customer_lookup_audit,
    item_check_registrable,
    item_flagged_sale_attempt,
    registration_create,
    request_fingerprint,
    warranty_end,
)
from warranties.services.transfers import registration_transfer

__all__ = [
    "ALERT_DEDUPE_SECONDS",
    "CLAIM_DECISIONS",
    "CONSENT_WORDING_VERSION",
    "CURRENCY_UNKNOWN",
    "CustomerInput",
    "FLAGGED_STATUSES",
    "GiftInput",
    "ITEM_ALREADY_SOLD",
    "ITEM_FLAGGED",
    "ITEM_NOT_FOUND",
    "ITEM_UNAVAILABLE",
    "MARKETING_CHANNELS",
    "REGISTRABLE_STATUSES",
    "STATUS_ORDER",
    "claim_create",
    "claim_decide",
    "customer_lookup_audit",
    "intervention_advance",
    "intervention_create",
    "intervention_update",
    "item_check_registrable",
    "item_event_add",
    "item_flagged_sale_attempt",
    "item_not_found_error",
    "registration_covering",
    "registration_create",
    "registration_transfer",
    "request_fingerprint",
    "warranty_end",
]
