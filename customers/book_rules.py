"""The client book's rules shared by what it shows (customers.clientbook) and how it is ranked
(customers.book_ranks): the window of important dates and the follow-up threshold."""

from __future__ import annotations

import calendar
from datetime import date

DATE_WINDOW_DAYS = 30
CONTACT_AFTER_PURCHASE_MONTHS = 6


def months_before(day: date, months: int) -> date:
    """`day` moved back `months` months (forward if negative), on the month's last day if shorter."""
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
