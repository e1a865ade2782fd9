"""The one CSV writer of every download: a spreadsheet cannot turn a cell into a formula (CSV injection).

Any text cell starting with = + - @ a tab or a carriage return gets a leading single quote, so Excel,
LibreOffice and Google Sheets show it as text. Numbers stay numbers (a negative amount is not a
formula), and so does a phone number in E.164 form (+ and digits only: at worst a number to a
spreadsheet, never a function). Use these helpers for every CSV a user downloads:

    from jewelcrm.csv_safe import csv_safe_cell, csv_safe_writer

    writer = csv_safe_writer(response)      # a csv.writer whose writerow() neutralises each cell
    writer.writerow(["name", "e-mail"])
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"\+\d{6,15}")


def csv_safe_cell(value: Any) -> Any:
    """The value, with a leading quote when a spreadsheet would read it as a formula.

    Numbers stay numbers (a negative amount is not a formula); only text is neutralised.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _E164.fullmatch(text):
        return "'" + text
    return text


def csv_safe_row(values: Iterable[Any]) -> list[Any]:
    return [csv_safe_cell(v) for v in values]


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(csv_safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_safe_writer(stream: Any, **kwargs: Any) -> _SafeWriter:
    """A csv.writer over `stream` that neutralises formulas in every cell it writes."""
    return _SafeWriter(csv.writer(stream, **kwargs))
