"""Writes of customers and of the consent ledger.

Other apps (warranty registration, owner portal, imports) go through these functions, imported from
`customers.services` (the modules below are how the code is filed, not separate entry points):
`profiles` (create, find or create, update), `consents` (the append-only ledger, double opt-in),
`relations` (gift recipients), `orders` (orders and amount conversion).
"""

from customers.services.consents import (
    CONFIRMATION_MAX_AGE,
    CONFIRMATION_SALT,
    consent_confirm,
    consent_confirmation_token,
    consent_entry,
    consent_record,
    consent_withdraw,
    consents_record,
)
from customers.services.orders import (
    LINE_FIELDS,
    ORDER_FIELDS,
    amount_convert,
    order_record_sale,
    order_upsert,
)
from customers.services.profiles import (
    PROFILE_FIELDS,
    customer_create,
    customer_find_or_create,
    customer_mark_contacted,
    customer_update,
)
from customers.services.relations import (
    RELATION_FIELDS,
    relation_delete,
    relation_gift_recipient_add,
    relation_save,
)

__all__ = [
    "CONFIRMATION_MAX_AGE",
    "CONFIRMATION_SALT",
    "LINE_FIELDS",
    "ORDER_FIELDS",
    "PROFILE_FIELDS",
    "RELATION_FIELDS",
    "amount_convert",
    "consent_confirm",
    "consent_confirmation_token",
    "consent_entry",
    "consent_record",
    "consent_withdraw",
    "consents_record",
    "customer_create",
    "customer_find_or_create",
    "customer_mark_contacted",
    "customer_update",
    "order_record_sale",
    "order_upsert",
    "relation_delete",
    "relation_gift_recipient_add",
    "relation_save",
]
