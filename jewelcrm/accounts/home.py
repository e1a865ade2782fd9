"""The key figures of the home pages. Each domain app may declare `TILES` in its own `home.py`:

    TILES = [HomeTile(area="dashboard", label=_("Claims to decide"), count=claims_open,
                      url_name="warranties:claim_queue", roles=ADMIN_ROLES)]

`count(brand, membership)` runs inside the brand's context and returns a number (one query, ideally).
A tile whose count is costly on a large brand (a million customers) and need not be exact to the second
sets `cache_seconds`: its figure is kept that long in the cache, under a key holding the brand and the
store, and all of a page's cached figures are read in one round trip.
The registry keeps the platform app unaware of the domains, as the menu does (navigation.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoise
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class HomeTile:
    area: str
    label: Any
    count: Callable[[Any, Any], int]
    url_name: str | None = None
    note: Any = ""
    roles: frozenset[str] | None = None
    order: int = 100
    cache_seconds: int = 0


@memoise
def _tiles() -> tuple[HomeTile, ...]:
    tiles: list[HomeTile] = []
    for config in apps.get_app_configs():
        if not config.name.startswith(("jewelcrm", "customers", "warranties", "segmentation", "campaigns")):
            continue
        try:
            module = importlib.import_module(f"{config.name}.home")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.home":
                raise
            continue
        tiles.extend(getattr(module, "TILES", []))
    return tuple(sorted(tiles, key=lambda t: t.order))


def _figure_key(tile: HomeTile, brand: Any, membership: Any) -> str:
    store = getattr(membership, "store_id", None) or 0
    return f"home:{brand.pk}:{store}:{tile.area}:{tile.order}:{getattr(tile.count, '__name__', '')}"


def tiles_for(*, area: str, brand: Any, membership: Any) -> list[dict[str, Any]]:
    """The tiles of one home page for one member, with their figures and links."""
    tiles = [t for t in _tiles() if t.area == area and (t.roles is None or membership.role in t.roles)]
    keys = {t: _figure_key(t, brand, membership) for t in tiles if t.cache_seconds}
    cached = cache.get_many(list(keys.values())) if keys else {}
    shown = []
    for tile in tiles:
        url = None
        if tile.url_name:
            try:
                url = reverse(tile.url_name, kwargs={"brand_slug": brand.slug})
            except NoReverseMatch:
                url = None
        key = keys.get(tile)
        if key is not None and key in cached:
            value = cached[key]
        else:
            value = tile.count(brand, membership)
            if key is not None:
                cache.set(key, value, tile.cache_seconds)
        shown.append({"label": tile.label, "value": value, "url": url, "note": tile.note})
    return shown
