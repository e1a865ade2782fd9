"""Fit the lifetime value models on a transactions file and print their parameters as one JSON object.

    python manage.py clv_fit --transactions FILE.csv --calibration-end YYYY-MM-DD [--unit days|weeks]

FILE.csv has the columns customer_id,date,amount (a header line). Purchases up to and including the
calibration end are summarised as lifetimes does (one purchase per customer and day), then BG/NBD,
MBG/NBD and Gamma-Gamma are fitted. Needs no database.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from segmentation import clv


class Command(BaseCommand):
    help = "Fit BG/NBD, MBG/NBD and Gamma-Gamma on customer_id,date,amount rows; print JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--transactions", required=True)
        parser.add_argument("--calibration-end", required=True)
        parser.add_argument("--unit", choices=("days", "weeks"), default="weeks")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            end = pd.Timestamp(options["calibration_end"])
        except ValueError as error:
            raise CommandError(f"--calibration-end: not a date ({error})") from None
        try:
            frame = pd.read_csv(options["transactions"])
        except (OSError, ValueError) as error:
            raise CommandError(f"--transactions: cannot read the file ({error})") from None
        missing = {"customer_id", "date", "amount"} - set(frame.columns)
        if missing:
            raise CommandError(f"--transactions: missing columns {', '.join(sorted(missing))}")
        try:
            frame["date"] = pd.to_datetime(frame["date"])
            frame["amount"] = pd.to_numeric(frame["amount"])
        except (ValueError, TypeError) as error:
            raise CommandError(f"--transactions: bad date or amount ({error})") from None
        unit_days = 7.0 if options["unit"] == "weeks" else 1.0
        summary = clv.summary_from_transactions(frame, observation_end=end, unit_days=unit_days)
        if summary.empty:
            raise CommandError("no purchase on or before the calibration end")
        result = clv.fit_all(summary)
        result["unit"] = options["unit"]
        result["calibration_end"] = end.date().isoformat()
        self.stdout.write(json.dumps(result, sort_keys=True))
