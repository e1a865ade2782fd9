from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run Celery tasks in-process (e-mails land in mail.outbox once the transaction commits)."""
    from jewelcrm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def scoped() -> Any:
    """scoped(brand) -> a context manager entering the brand's context (reads in assertions)."""
    from jewelcrm.tenancy.context import brand_context

    return brand_context
