"""Exchange rates of the order import: the shipped reference table, the conversion to the brand's
currency."""

from __future__ import annotations

import bisect
import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from customers.models import ExchangeRate

RATES_CSV = Path(__file__).resolve().parents[2] / "jewelcrm" / "imports" / "data" / "exchange_rates.csv"


def exchange_rates_ensure() -> int:
    """Load the shipped reference rates (EUR per unit, by date) into ExchangeRate; returns rows added."""
    existing = set(ExchangeRate.objects.values_list("currency", "date"))
    new = []
    with RATES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["currency"], date.fromisoformat(row["date"]))
            if key not in existing:
                new.append(
                    ExchangeRate(currency=key[0], date=key[1], rate_to_eur=Decimal(row["rate_to_eur"]))
                )
    ExchangeRate.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


class RateTable:
    """Rates by currency; `to_brand(amount, currency, day)` converts with the rate of that day or the
    closest earlier one (the earliest known for older days). None when a currency has no rate."""

    def __init__(self, brand_currency: str) -> None:
        self.brand_currency = brand_currency
        self.rates: dict[str, tuple[list[date], list[Decimal]]] = {}
        rows = ExchangeRate.objects.order_by("currency", "date").values_list(
            "currency", "date", "rate_to_eur"
        )
        for currency, day, rate in rows:
            days, values = self.rates.setdefault(currency, ([], []))
            days.append(day)
            values.append(rate)

    def rate(self, currency: str, day: date) -> Decimal | None:
        if currency == "EUR":
            return Decimal(1)
        found = self.rates.get(currency)
        if not found:
            return None
        days, values = found
        index = bisect.bisect_right(days, day) - 1
        return values[max(index, 0)]

    def to_brand(self, amount: Decimal | None, currency: str, day: date) -> Decimal | None:
        if amount is None:
            return None
        if currency == self.brand_currency:
            return amount
        source, target = self.rate(currency, day), self.rate(self.brand_currency, day)
        if source is None or target is None:
            return None
        return (amount * source / target).quantize(Decimal("0.01"))
