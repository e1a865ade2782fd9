"""What a brand uses, per limit. Stores and seats are counted here; the domains count their own.

A domain app may declare `METERS` in its own `usage.py`, as it declares its menu in `nav.py`:

    METERS = [Meter(limit="registrations", count=registrations_between)]

`count(brand, start, end)` runs inside the brand's context and returns a number (one query). Stores,
seats and customers count what exists now (start and end are ignored); registrations and campaign
e-mails count the billing period. A limit that no app meters counts 0 (campaign e-mails until the
campaigns app sends any).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class Meter:
    limit: str
    count: Callable[[Any, datetime, datetime], int]


def _stores(brand: Any, start: datetime, end: datetime) -> int:
    from jewelcrm.retail.selectors import store_list

    return store_list(brand=brand, is_active=True).count()


def _seats(brand: Any, start: datetime, end: datetime) -> int:
    """Active members and invitations waiting for an answer (each takes a seat when accepted)."""
    from django.db.models import Q

    from jewelcrm.accounts.selectors import membership_list

    return membership_list(brand=brand).filter(Q(is_active=True) | Q(is_pending=True)).count()


PLATFORM_METERS = [Meter(limit="stores", count=_stores), Meter(limit="seats", count=_seats)]


@cache
def meters() -> dict[str, Meter]:
    found = {m.limit: m for m in PLATFORM_METERS}
    for config in apps.get_app_configs():
        if not config.name.startswith(("customers", "warranties", "segmentation", "campaigns")):
            continue
        try:
            module = importlib.import_module(f"{config.name}.usage")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.usage":
                raise
            continue
        for meter in getattr(module, "METERS", []):
            found[meter.limit] = meter
    return found


def usage_count(*, brand: Any, limit: str, start: datetime, end: datetime) -> int:
    meter = meters().get(limit)
    return meter.count(brand, start, end) if meter else 0
