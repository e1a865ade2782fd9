"""The one periodic schedule (Celery beat). Every crontab entry carries `expires`, so a run that could
not start in time (worker down, queue backed up) is dropped instead of piling up behind the next one.

Beat runs django-celery-beat's DatabaseScheduler, which copies these entries into the database at start.
It keeps `expire_seconds` (and ignores a plain `expires`), so each entry carries both with the same value.
Jobs that work per brand name a fan-out task that enqueues one task per active brand
(jewelcrm.tenancy.tasks.for_each_brand).
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab


def _entry(task: str, schedule: crontab, *, expires: int, args: tuple[Any, ...] = ()) -> dict[str, Any]:
    return {
        "task": task,
        "schedule": schedule,
        "args": args,
        "options": {"expires": expires, "expire_seconds": expires},
    }


HOUR = 60 * 60

CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # The outbox relay: e-mails still pending past their time are enqueued again (one task per brand).
    "messaging-relay": _entry(
        "jewelcrm.messaging.tasks.relay_messages_all_task", crontab(minute="*"), expires=50
    ),
    # Expired sessions and login-throttling records (platform-wide tables, not brand-owned).
    # Imports whose worker was lost are queued again (or failed after three runs); queued ones lost with
    # the broker are handed to it again (one task per brand).
    "imports-sweep": _entry(
        "jewelcrm.imports.tasks.sweep_import_jobs_all_task", crontab(minute="*/5"), expires=4 * 60
    ),
    # The kept figures of the dashboard home (a million customers are not counted per visit), per brand.
    "home-figures": _entry(
        "jewelcrm.accounts.tasks.refresh_home_figures_all_task", crontab(minute=13), expires=HOUR // 2
    ),
    "accounts-housekeeping": _entry(
        "jewelcrm.accounts.tasks.housekeeping_task", crontab(minute=17, hour=3), expires=2 * HOUR
    ),
    # GDPR retention: erase customers inactive longer than CUSTOMER_RETENTION_MONTHS (one task per brand).
    "customers-retention": _entry(
        "customers.tasks.apply_customer_retention_all_task", crontab(minute=41, hour=2), expires=4 * HOUR
    ),
    # The client books' kept ranks (customers.book_ranks): every hour, each brand whose local day has moved
    # on since they were computed gets them rewritten (one task per brand).
    "customers-book-ranks": _entry(
        "customers.tasks.refresh_book_ranks_all_task", crontab(minute=29), expires=HOUR // 2
    ),
    # Billing: limit notices and metered overage (one task per brand), then Stripe reconciliation.
    "billing-usage": _entry(
        "jewelcrm.billing.tasks.update_usage_all_task", crontab(minute=7), expires=HOUR // 2
    ),
    "billing-reconciliation": _entry(
        "jewelcrm.billing.tasks.reconcile_subscriptions_task", crontab(minute=23, hour=4), expires=2 * HOUR
    ),
    # Insights: the weekly store × product figures of every brand, rebuilt set-based (one task per brand).
    "insights-refresh": _entry(
        "segmentation.insights.tasks.refresh_all_insights_task", crontab(minute=5, hour=4), expires=4 * HOUR
    ),
    # Nightly segmentation: every hour, each brand past midnight in its time zone without tonight's run gets
    # one (on the "segmentation" queue).
    "segmentation-nightly": _entry(
        "segmentation.tasks.schedule_nightly_runs_task", crontab(minute=7), expires=HOUR // 2
    ),
}

# Campaigns: every hour, each brand whose local day has no journey run yet gets one (missed days caught up
# as docs/adr/0031 says); every five minutes, scheduled campaigns whose time has come are started.
CELERY_BEAT_SCHEDULE["campaigns-journeys"] = _entry(
    "campaigns.tasks.evaluate_journeys_all_task", crontab(minute=11), expires=HOUR // 2
)
CELERY_BEAT_SCHEDULE["campaigns-due"] = _entry(
    "campaigns.tasks.start_due_campaigns_all_task", crontab(minute="*/5"), expires=4 * 60
)
