"""The key figures of the home pages. Each domain app may declare `TILES` in its own `home.py`:

    TILES = [HomeTile(area="dashboard", label=_("Claims to decide"), count=claims_open,
                      url_name="warranties:claim_queue", roles=ADMIN_ROLES)]

`count(brand, membership)` runs inside the brand's context and returns a number (one query, ideally).
A tile whose count is costly on a large brand (a million customers) and need not be exact to the second
sets `cache_seconds` (ADR 0045): its figure is a kept figure, a `HomeFigure` row read with the page's
other kept figures in one query and shown with the time it was counted. A figure older than
`cache_seconds` is shown while `refresh_home_figures_task` counts it again (hourly for every brand too).
A missing figure is counted while the page waits only if that takes less than INLINE_BUDGET_MS (a small
brand: exact at once); otherwise the page says it is being counted and the task counts it. A kept tile
counts brand-wide figures: its count is called with membership=None by the task.
The registry keeps the platform app unaware of the domains, as the menu does (navigation.py).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache as memoise
from functools import partial
from typing import Any

from celery import shared_task
from django.apps import apps
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jewelcrm.tenancy.tasks import brand_task

# Missing kept figures are counted while the page waits only within this time, for all of them together.
INLINE_BUDGET_MS = 200
# One refresh at a time per brand: pages asking while it runs do not queue more.
REFRESH_LOCK_SECONDS = 300


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


def figure_key(tile: HomeTile) -> str:
    """The key of a kept figure (the row holds the brand)."""
    return f"{tile.area}:{tile.order}:{getattr(tile.count, '__name__', '')}"


def kept_tiles() -> list[HomeTile]:
    return [t for t in _tiles() if t.cache_seconds]


def _kept_figures(brand: Any, keys: list[str]) -> dict[str, tuple[int, Any]]:
    from jewelcrm.accounts.models import HomeFigure

    rows = HomeFigure.objects.filter(brand=brand, key__in=keys).values_list("key", "value", "computed_at")
    return {key: (value, at) for key, value, at in rows}


def _keep(brand: Any, key: str, value: int) -> None:
    """Insert or replace one kept figure, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            # EXCLUDED's values only in DO UPDATE: Citus refuses a volatile function such as now() there.
            "INSERT INTO accounts_homefigure (brand_id, key, value, computed_at) VALUES (%s, %s, %s, now()) "
            "ON CONFLICT (brand_id, key) "
            "DO UPDATE SET value = EXCLUDED.value, computed_at = EXCLUDED.computed_at",
            [brand.pk, key, value],
        )


def _count_within_budget(tile: HomeTile, brand: Any, membership: Any, budget_ms: int) -> int | None:
    """The tile's count if PostgreSQL gives it within budget_ms, else None (the query is cancelled, the
    savepoint rolled back; the page goes on)."""
    if budget_ms < 1:
        return None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                    [f"{budget_ms}ms"],
                )
                previous = cursor.fetchone()[0]
            value = tile.count(brand, membership)
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return value
    except OperationalError:
        return None


def _schedule_refresh(brand: Any) -> None:
    if cache.add(f"home:refresh:{brand.pk}", 1, REFRESH_LOCK_SECONDS):
        transaction.on_commit(partial(refresh_home_figures_task.delay, brand.pk))


def home_figures_refresh(*, brand: Any) -> dict[str, int]:
    """Count every kept figure of the brand again, exactly, and keep it (the task's work)."""
    counted = {}
    for tile in kept_tiles():
        key = figure_key(tile)
        if key in counted:
            continue
        counted[key] = tile.count(brand, None)
        _keep(brand, key, counted[key])
    cache.delete(f"home:refresh:{brand.pk}")
    return counted


# Defined here, not in tasks.py (which re-exports it), so that this module and the tasks module do not
# import each other; the name is the tasks module's, as the schedule and the workers know it.
@shared_task(name="jewelcrm.accounts.tasks.refresh_home_figures_task", acks_late=True, time_limit=30 * 60)
@brand_task
def refresh_home_figures_task(brand_id: int) -> dict[str, int]:
    """Count the kept figures of the home pages of one brand again."""
    from jewelcrm.accounts.models import Brand

    return home_figures_refresh(brand=Brand.objects.get(pk=brand_id))


def tiles_for(*, area: str, brand: Any, membership: Any) -> list[dict[str, Any]]:
    """The tiles of one home page for one member, with their figures and links. A fixed number of
    queries: one for all the kept figures, one per other tile."""
    tiles = [t for t in _tiles() if t.area == area and (t.roles is None or membership.role in t.roles)]
    keys = {t: figure_key(t) for t in tiles if t.cache_seconds}
    kept = _kept_figures(brand, list(keys.values())) if keys else {}
    now = timezone.now()
    refresh = False
    deadline = time.monotonic() + INLINE_BUDGET_MS / 1000
    shown = []
    for tile in tiles:
        url = None
        if tile.url_name:
            try:
                url = reverse(tile.url_name, kwargs={"brand_slug": brand.slug})
            except NoReverseMatch:
                url = None
        note = tile.note
        key = keys.get(tile)
        if key is None:
            value = tile.count(brand, membership)
        elif key in kept:
            value, counted_at = kept[key]
            refresh = refresh or counted_at < now - timedelta(seconds=tile.cache_seconds)
            note = _("Counted %(when)s") % {
                "when": formats.date_format(timezone.localtime(counted_at), "DATETIME_FORMAT")
            }
        else:
            value = _count_within_budget(tile, brand, None, int((deadline - time.monotonic()) * 1000))
            if value is None:
                refresh = True
                note = _("Being counted: back in a minute.")
            else:
                _keep(brand, key, value)
        shown.append({"label": tile.label, "value": value, "url": url, "note": note})
    if refresh:
        _schedule_refresh(brand)
    return shown
