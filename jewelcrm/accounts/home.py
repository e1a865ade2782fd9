"""The key figures of the home pages. Each domain app may declare `TILES` in its own `home.py`:

    TILES = [HomeTile(area="dashboard", label=_("Claims to decide"), count=claims_open,
                      url_name="warranties:claim_queue", roles=ADMIN_ROLES)]

`count(brand, membership)` runs inside the brand's context and returns a number (one query, ideally).
The registry keeps the platform app unaware of the domains, as the menu does (navigation.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
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


@cache
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


def tiles_for(*, area: str, brand: Any, membership: Any) -> list[dict[str, Any]]:
    """The tiles of one home page for one member, with their figures and links."""
    shown = []
    for tile in _tiles():
        if tile.area != area or (tile.roles is not None and membership.role not in tile.roles):
            continue
        url = None
        if tile.url_name:
            try:
                url = reverse(tile.url_name, kwargs={"brand_slug": brand.slug})
            except NoReverseMatch:
                url = None
        shown.append(
            {"label": tile.label, "value": tile.count(brand, membership), "url": url, "note": tile.note}
        )
    return shown
