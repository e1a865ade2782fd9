"""Navigation per role. Each domain app may declare `NAV` in its own `nav.py`:

    NAV = [NavEntry(area="dashboard", label=_("Customers"), url_name="customers:list", roles=MARKETING_ROLES)]

`area` is "dashboard" (brand staff) or "intranet" (retailer staff). URL names take `brand_slug`.
`roles` is the set of roles that see the entry (None: every role of the area); `order` sorts the menu
(0 is the area's home; leave gaps of 10 so others can slot in between). `group` puts a dashboard entry
under one of the menu's headings (GROUPS, in their order); entries without one come first.

`entries_for(...)` returns the entries a role sees as dicts `{"label", "url", "active", "group"}` (the
heading's words, "" for none). The active
entry is the one whose URL is the longest prefix of the current path, so `/b/x/customers/42/` keeps
"Customers" highlighted; the area homes (`/b/x/` and `/b/x/intranet/`) are active on their own page only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

AREAS = ("dashboard", "intranet")
HOME_URL_NAMES = ("accounts:dashboard", "accounts:intranet")
# The dashboard menu's headings, in the order they appear.
GROUPS = {
    "": "",
    "customers": _("Customers and segments"),
    "marketing": _("Marketing"),
    "insights": _("Insights"),
    "warranties": _("Warranties and stock"),
    "admin": _("Administration"),
}
_GROUP_RANK = {key: rank for rank, key in enumerate(GROUPS)}


@dataclass(frozen=True)
class NavEntry:
    area: str
    label: Any
    url_name: str
    roles: frozenset[str] | None = None
    order: int = 100
    group: str = ""

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"NavEntry {self.url_name}: unknown group {self.group!r}")


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
    return tuple(sorted(entries, key=lambda e: (_GROUP_RANK[e.group], e.order, e.url_name)))


def _home_urls(brand_slug: str) -> set[str]:
    urls = set()
    for name in HOME_URL_NAMES:
        try:
            urls.add(reverse(name, kwargs={"brand_slug": brand_slug}))
        except NoReverseMatch:
            continue
    return urls


def entries_for(*, area: str, role: str, brand_slug: str, current_path: str) -> list[dict[str, Any]]:
    """The menu of one role in one area, in order, with the current page's entry marked active."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in _entries():
        if entry.area != area or (entry.roles is not None and role not in entry.roles):
            continue
        try:
            url = reverse(entry.url_name, kwargs={"brand_slug": brand_slug})
        except NoReverseMatch:
            continue
        if url in seen:
            continue
        seen.add(url)
        items.append({"label": entry.label, "url": url, "active": False, "group": GROUPS[entry.group]})
    homes = _home_urls(brand_slug)
    best: dict[str, Any] | None = None
    for item in items:
        url = item["url"]
        matches = current_path == url if url in homes else current_path.startswith(url)
        if matches and (best is None or len(url) > len(best["url"])):
            best = item
    if best is not None:
        best["active"] = True
    return items
