"""Writes of the owner portal. Every function takes the brand explicitly and runs inside its context.

One module per use case; this package exports them all.
"""

from warranties.portal.approval_links import owner_approval_token, owner_approval_url
from warranties.portal.services.approval_requests import APPROVAL_LIFETIME
from warranties.portal.services.approvals import (
    APPROVAL_INVALID,
    owner_approval_decide,
    owner_approval_get,
    store_loss_request,
    store_recovered_request,
)
from warranties.portal.services.common import (
    CODE_ALPHABET,
    FLAGGED,
    LINK_INVALID,
    LINK_LIFETIME,
    NOT_ALLOWED,
    TRANSFER_INVALID,
    TRANSFER_LIFETIME,
)
from warranties.portal.services.found import found_report_create
from warranties.portal.services.loss import (
    OWNER_CONSENT_REQUIRED,
    item_in_store_stock,
    item_mark_recovered,
    item_report_loss,
)
from warranties.portal.services.owner_data import EDITABLE_FIELDS, consents_set, customer_update_own
from warranties.portal.services.posts import post_publish, post_save, rsvp_answer
from warranties.portal.services.service_requests import (
    service_request_cancel,
    service_request_create,
    service_request_receive,
)
from warranties.portal.services.signin import (
    link_url,
    login_link_consume,
    login_link_peek,
    login_link_request,
)
from warranties.portal.services.transfers import (
    transfer_accept,
    transfer_cancel,
    transfer_claim_request,
    transfer_code_new,
    transfer_code_normalise,
    transfer_find,
    transfer_record_in_store,
    transfer_start,
)

__all__ = [
    "APPROVAL_INVALID",
    "APPROVAL_LIFETIME",
    "CODE_ALPHABET",
    "EDITABLE_FIELDS",
    "FLAGGED",
    "LINK_INVALID",
    "LINK_LIFETIME",
    "NOT_ALLOWED",
    "OWNER_CONSENT_REQUIRED",
    "TRANSFER_INVALID",
    "TRANSFER_LIFETIME",
    "consents_set",
    "customer_update_own",
    "found_report_create",
    "item_in_store_stock",
    "item_mark_recovered",
    "item_report_loss",
    "link_url",
    "login_link_consume",
    "login_link_peek",
    "login_link_request",
    "owner_approval_decide",
    "owner_approval_get",
    "owner_approval_token",
    "owner_approval_url",
    "post_publish",
    "post_save",
    "rsvp_answer",
    "service_request_cancel",
    "service_request_create",
    "service_request_receive",
    "store_loss_request",
    "store_recovered_request",
    "transfer_accept",
    "transfer_cancel",
    "transfer_claim_request",
    "transfer_code_new",
    "transfer_code_normalise",
    "transfer_find",
    "transfer_record_in_store",
    "transfer_start",
]

# Tests build sign-in links directly.
from warranties.portal.services.signin import _link_create  # noqa: E402, F401
