"""Billing tasks: notice e-mails, the hourly usage job (notices and metered overage), the nightly
reconciliation with Stripe. Thin: they take ids and call a service."""

from __future__ import annotations

from typing import Any

import stripe
from celery import shared_task

from jewelcrm.task_failures import TRANSIENT_RETRY
from jewelcrm.tenancy.tasks import brand_task, for_each_brand

# Retried with backoff only when the mail server or Stripe cannot be reached.
_RETRY: dict[str, Any] = {
    **TRANSIENT_RETRY,
    "autoretry_for": (ConnectionError, stripe.APIConnectionError),
    "soft_time_limit": 100,
    "time_limit": 120,
}


@shared_task(**_RETRY)
@brand_task
def send_notice_email_task(brand_id: int, notice_id: int) -> bool:
    from jewelcrm.accounts.models import Brand
    from jewelcrm.billing.notices import notice_email_send

    return notice_email_send(brand=Brand.objects.get(pk=brand_id), notice_id=notice_id)


@shared_task(**_RETRY)
@brand_task
def update_usage_task(brand_id: int) -> dict[str, int]:
    """One brand: claim the limit notices its usage reached, report its metered overage to Stripe."""
    from jewelcrm.accounts.models import Brand
    from jewelcrm.billing.metering import usage_report
    from jewelcrm.billing.notices import limit_notices_update

    brand = Brand.objects.get(pk=brand_id)
    notices = limit_notices_update(brand=brand)
    reports = usage_report(brand=brand)
    return {"notices": len(notices), "reports": len(reports)}


@shared_task(soft_time_limit=280, time_limit=300)
def update_usage_all_task() -> list[int]:
    from jewelcrm.billing.stripe_api import billing_enabled

    return for_each_brand(update_usage_task) if billing_enabled() else []


@shared_task(soft_time_limit=1700, time_limit=1800)
def reconcile_subscriptions_task() -> dict[str, Any]:
    from jewelcrm.billing.mirror import reconcile_all
    from jewelcrm.billing.stripe_api import billing_enabled

    if not billing_enabled():
        return {"checked": 0, "drifted": 0}
    run = reconcile_all(fix=True)
    return {"checked": run.checked, "drifted": run.drifted}
