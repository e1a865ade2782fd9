"""Allocated markets: a store may sell to one country, several, or the whole EU."""

from __future__ import annotations

import re

from django_countries import countries

EU_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
MARKET_GROUPS = {"EU": EU_COUNTRIES}


def market_tokens(market: str) -> list[str]:
    return [t for t in re.split(r"[\s,;/]+", (market or "").upper()) if t]


def market_invalid_tokens(market: str) -> list[str]:
    return [t for t in market_tokens(market) if t not in MARKET_GROUPS and t not in dict(countries)]


def market_countries(*, market: str, home_country: str) -> frozenset[str]:
    """The countries of a market ("FR", "FR,BE", "EU"); an empty market is the store's own country."""
    tokens = market_tokens(market)
    if not tokens:
        return frozenset({str(home_country).upper()})
    result: set[str] = set()
    for token in tokens:
        result |= MARKET_GROUPS.get(token, {token})
    return frozenset(result)
