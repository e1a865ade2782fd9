"""Kept for imports written against this path: the one currency list is jewelcrm.currencies."""

from jewelcrm.currencies import currency_codes, currency_is_valid

CURRENCIES = currency_codes()

__all__ = ["CURRENCIES", "currency_is_valid"]
