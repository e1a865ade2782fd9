"""Tasks of the accounts app: nightly housekeeping, and the isolation probe."""

from __future__ import annotations

import os
from typing import Any

from celery import shared_task
from django.db import connection
from django.utils import timezone

from jewelcrm.accounts.home import refresh_home_figures_task
from jewelcrm.tenancy.tasks import brand_task

__all__ = ["refresh_home_figures_task"]  # defined beside the figures it counts (home.py)

# Access logs of django-axes are kept this long, then deleted.
AXES_LOG_RETENTION_DAYS = 90


@shared_task
def housekeeping_task() -> dict[str, int]:
    """Delete expired sessions, login attempts past their cool-off, and old access logs (platform-wide)."""
    from axes.handlers.database import AxesDatabaseHandler
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt
    from django.contrib.sessions.models import Session

    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    # Attempts older than the cool-off no longer count (axes ignores them); delete them.
    attempts, _ = AccessAttempt.objects.filter(attempt_time__lte=now - get_cool_off()).delete()
    handler = AxesDatabaseHandler()
    logs = handler.reset_logs(age_days=AXES_LOG_RETENTION_DAYS)
    failure_logs = handler.reset_failure_logs(age_days=AXES_LOG_RETENTION_DAYS)
    return {"sessions": sessions, "attempts": attempts, "logs": logs, "failure_logs": failure_logs}


# Brand-owned tables of this app, read with raw SQL by the probe below.
_PROBE_TABLES = ("accounts_membership", "accounts_apikey", "accounts_auditlog")


@shared_task
@brand_task
def brand_visible_rows_task(brand_id: int) -> dict[str, Any]:
    """What a task scoped to `brand_id` can see in the database, bypassing the application's scoping.

    Raw SQL over the brand-owned tables of this app: with row-level security only `brand_id`'s rows
    are visible. Used by the isolation suite and handy when diagnosing a worker.
    """
    seen: set[int] = set()
    rows = 0
    with connection.cursor() as cursor:
        for table in _PROBE_TABLES:
            cursor.execute(f'SELECT brand_id, count(*) FROM "{table}" GROUP BY brand_id')  # noqa: S608
            for seen_brand, count in cursor.fetchall():
                seen.add(seen_brand)
                rows += count
        cursor.execute("SELECT pg_backend_pid(), current_setting('jewelcrm.brand_id', true)")
        backend, setting = cursor.fetchone()
    return {
        "brand_ids": sorted(seen),
        "rows": rows,
        "setting": setting,
        "backend_pid": backend,
        "worker_pid": os.getpid(),
    }


@shared_task
def refresh_home_figures_all_task() -> list[int]:
    """Hourly: one refresh of the kept home figures per active brand."""
    from jewelcrm.tenancy.tasks import for_each_brand

    return for_each_brand(refresh_home_figures_task)
