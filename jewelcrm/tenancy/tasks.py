"""Celery tasks that work for one brand.

- `@brand_task` wraps a task whose first argument is `brand_id` and scopes the whole call to that brand.
- `for_each_brand(task, *args)` fans a periodic job out: one task per active brand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import transaction

from jewelcrm.tenancy.access import brand_access
from jewelcrm.tenancy.context import brand_context, dangerously_no_brand


def brand_task(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run `func(brand_id, ...)` inside brand_context(brand_id); nothing outlives the call."""

    @functools.wraps(func)
    def wrapper(brand_id: int, *args: Any, **kwargs: Any) -> Any:
        with dangerously_no_brand(), brand_context(int(brand_id)):
            return func(brand_id, *args, **kwargs)

    return wrapper


def for_each_brand(task: Any, *args: Any) -> list[int]:
    """Enqueue `task.delay(brand_id, *args)` once per active brand, after the current transaction commits.

    The Brand table is not brand-owned, so this read needs no brand in context. Returns the brand ids.
    Each brand is one task: one that fails leaves the others to run. With a worker that is given; without
    Redis (tasks run in-process, ADR 0007) the callbacks are robust, so a brand's failure is logged and the
    next brands still run.
    """
    brand_ids = brand_access().active_brand_ids()
    for brand_id in brand_ids:
        transaction.on_commit(_enqueue_for(task, brand_id, *args), robust=True)
    return brand_ids


def _enqueue_for(task: Any, brand_id: int, *args: Any) -> Callable[[], Any]:
    # A function, not a partial: Django names a failing robust callback by its __qualname__.
    def enqueue() -> Any:
        return task.delay(brand_id, *args)

    enqueue.__qualname__ = f"for_each_brand({getattr(task, 'name', task)!s}, brand {brand_id})"
    return enqueue
