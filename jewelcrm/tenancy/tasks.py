"""Celery tasks that work for one brand: `@brand_task` takes `brand_id` first and scopes the task to it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jewelcrm.tenancy.context import brand_context, dangerously_no_brand


def brand_task(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run `func(brand_id, ...)` inside brand_context(brand_id); nothing outlives the call."""

    @functools.wraps(func)
    def wrapper(brand_id: int, *args: Any, **kwargs: Any) -> Any:
        with dangerously_no_brand(), brand_context(int(brand_id)):
            return func(brand_id, *args, **kwargs)

    return wrapper
