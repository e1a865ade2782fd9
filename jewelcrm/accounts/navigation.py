"""Navigation per role. Each domain app may declare `NAV` in its own `nav.py`:

    NAV = [NavEntry(area="dashboard", label=_("Customers"), url_name="customers:list", roles=MARKETING_ROLES)]

`area` is "dashboard" (brand staff) or "intranet" (retailer staff). URL names take `brand_slug`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavEntry:
    area: str
    label: Any
    url_name: str
    roles: frozenset[str] | None = None
    order: int = 100


@cache
def _entries() -> tuple[NavEntry, ...]:
    entries: list[NavEntry] = []
    for config in apps.get_app_configs():
        if not config.name.startswith(("jewelcrm", "customers", "warranties", "segmentation", "campaigns")):
            continue
        try:
            module = importlib.import_module(f"{config.name}.nav")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.nav":
                raise
            continue
        entries.extend(getattr(module, "NAV", []))
    return tuple(sorted(entries, key=lambda e: e.order))


def entries_for(*, area: str, role: str, brand_slug: str, current_path: str) -> list[dict[str, Any]]:
    items = []
    for entry in _entries():
        if entry.area != area or (entry.roles is not None and role not in entry.roles):
            continue
        try:
            url = reverse(entry.url_name, kwargs={"brand_slug": brand_slug})
        except NoReverseMatch:
            continue
        is_home = url.rstrip("/").count("/") <= 3
        active = current_path == url if is_home else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active})
    return items
