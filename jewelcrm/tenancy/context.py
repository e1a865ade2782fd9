"""The one place that sets and resets the brand in context.

`brand_context(brand)` does three things, and undoes them in `finally`:
- sets the application's ambient brand (a ContextVar), which the scoped managers read;
- opens a transaction (or a savepoint) on the default database;
- on PostgreSQL, sets the transaction-local setting `jewelcrm.brand_id`, which the row-level
  security policies read. `SET LOCAL` makes it vanish with the transaction, so it can never leak to
  the next user of a pooled connection (and on Citus it reaches the workers' shards too).

Every entry point (request, API call, Celery task, management command) enters it exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction

BRAND_SETTING = "jewelcrm.brand_id"
USER_SETTING = "jewelcrm.user_id"

_current_brand_id: ContextVar[int | None] = ContextVar("jewelcrm_brand_id", default=None)
_current_user_id: ContextVar[int | None] = ContextVar("jewelcrm_user_id", default=None)
# What the enclosing scope wrote in the database setting, put back when a nested scope ends. Kept apart
# from the ambient brand, which `dangerously_no_brand` clears without touching the database (a task run
# in-process inside a brand's scope must give that scope its setting back).
_db_values: ContextVar[dict[str, int | None]] = ContextVar("jewelcrm_db_settings", default={})  # noqa: B039


class BrandContextMissing(RuntimeError):
    """A brand-owned table was queried with no brand in context."""


def get_current_brand_id() -> int | None:
    return _current_brand_id.get()


def _brand_id_of(brand: Any) -> int:
    brand_id = getattr(brand, "pk", brand)
    if not isinstance(brand_id, int) or brand_id <= 0:
        raise ValueError(f"Not a brand: {brand!r}")
    return brand_id


def _set_db_setting(name: str, value: int | None) -> None:
    # SET LOCAL rather than set_config(..., true): on Citus (citus.propagate_set_commands = 'local')
    # it reaches every worker the transaction touches, so the policies on the shards see the brand too.
    # `name` is one of the two constants above and `value` an int: nothing else is ever interpolated.
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL {name} = '{'' if value is None else int(value)}'")


@contextmanager
def _scope(var: ContextVar[int | None], setting: str, value: int) -> Iterator[None]:
    db_values = _db_values.get()
    previous = db_values.get(setting)
    token = var.set(value)
    db_token = _db_values.set({**db_values, setting: value})
    # Outermost, the block is a transaction and its commit drops the setting; nested, it is a savepoint
    # whose release keeps it, so the enclosing value is put back explicitly.
    nested = connection.in_atomic_block
    try:
        with transaction.atomic():
            _set_db_setting(setting, value)
            yield
            # Reached only when the block succeeded; on an error, or when the block was marked for
            # rollback (an API call answering an error), the rollback undoes the setting.
            if nested and not transaction.get_rollback():
                _set_db_setting(setting, previous)
    finally:
        _db_values.reset(db_token)
        var.reset(token)


@contextmanager
def brand_context(brand: Any) -> Iterator[None]:
    """Scope everything inside to one brand, in the application and in the database."""
    with _scope(_current_brand_id, BRAND_SETTING, _brand_id_of(brand)):
        yield


@contextmanager
def user_context(user_id: int) -> Iterator[None]:
    """Let a signed-in user read their own memberships across brands (the brand switcher)."""
    with _scope(_current_user_id, USER_SETTING, int(user_id)):
        yield


@contextmanager
def dangerously_no_brand() -> Iterator[None]:
    """Clear the ambient brand for a block that must not inherit one (tests, fan-out jobs)."""
    token = _current_brand_id.set(None)
    try:
        yield
    finally:
        _current_brand_id.reset(token)
