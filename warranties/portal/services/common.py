"""Lifetimes, codes and helpers shared by the owner portal's writes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from warranties.inventory.models import ItemStatus

LINK_LIFETIME = timedelta(minutes=10)
TRANSFER_LIFETIME = timedelta(days=14)
FLAGGED = frozenset({ItemStatus.LOST, ItemStatus.STOLEN})
# Crockford's base32 without I, L, O, U: readable aloud, no ambiguous characters.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

LINK_INVALID = "link_invalid"
TRANSFER_INVALID = "transfer_invalid"


def _hash(brand: Brand, secret: str) -> str:
    return hashlib.sha256(f"{brand.pk}:{secret}".encode()).hexdigest()


def _language(brand: Brand, customer: Customer | None) -> str:
    return (customer.language if customer is not None and customer.language else "") or brand.default_language
