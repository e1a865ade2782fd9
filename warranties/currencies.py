"""Kept for imports written against this path: the one currency list is jewelcrm.currencies."""

from jewelcrm.currencies import currency_codes, currency_normalise

ISO_4217 = currency_codes()

__all__ = ["ISO_4217", "currency_normalise"]
