"""The one list of currencies every app validates against.

ISO 4217 codes that are legal tender in some territory today, from the Unicode CLDR data that Babel
ships (no network look-up, no list of our own to keep up to date).
"""

from __future__ import annotations

import functools

from babel.core import get_global
from babel.numbers import get_territory_currencies
from django.utils import timezone


@functools.cache
def currency_codes() -> frozenset[str]:
    """Every currency in circulation (legal tender somewhere) on the day the process started."""
    today = timezone.now().date()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, start_date=today, tender=True))
    return frozenset(codes)


def currency_normalise(raw: str | None) -> str | None:
    """The upper-case code of a currency in circulation, or None for anything else."""
    code = (raw or "").strip().upper()
    return code if code in currency_codes() else None


def currency_is_valid(code: str | None) -> bool:
    return currency_normalise(code) is not None
