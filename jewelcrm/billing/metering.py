"""Metered overage: usage above a metered limit's allowance, reported to Stripe as meter events, once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jewelcrm.accounts.models import Brand
from jewelcrm.billing import selectors, stripe_api
from jewelcrm.billing.models import METERED_LIMITS, SubscriptionStatus, UsageReport
from jewelcrm.billing.usage import usage_count

# --- Metered usage ----------------------------------------------------------------------------------


def usage_report(*, brand: Brand) -> list[UsageReport]:
    """Report this period's overage of metered limits to Stripe as meter events, idempotently.

    The overage reported so far is the sum of this period's reports; only the difference is sent, as a
    new report row claimed (unique) before the call. A row left unsent by a failure is sent again by the
    next run with the same identifier and idempotency key, so Stripe counts it once."""
    state = selectors.billing_state_get(brand=brand)
    sub = state.subscription
    if not state.enforced or state.plan is None or sub is None or not sub.stripe_customer_id:
        return []
    if state.is_local_trial or state.status == SubscriptionStatus.TRIALING:
        return []
    sent = []
    for limit in sorted(METERED_LIMITS):
        allowed = state.limit(limit)
        if allowed is None or not state.plan.metered_price(limit):
            continue
        used = usage_count(brand=brand, limit=limit, start=state.period_start, end=state.period_end)
        overage = max(0, used - allowed)
        with transaction.atomic():
            reports = UsageReport.objects.select_for_update().filter(
                brand=brand, limit=limit, period_start=state.period_start
            )
            reported = max((r.total for r in reports), default=0)
            if overage > reported:
                UsageReport.objects.create(
                    brand=brand,
                    limit=limit,
                    period_start=state.period_start,
                    quantity=overage - reported,
                    total=overage,
                )
        for report in UsageReport.objects.filter(
            brand=brand, limit=limit, period_start=state.period_start, sent_at__isnull=True
        ).order_by("total"):
            stripe_api.client().v1.billing.meter_events.create(
                {
                    "event_name": f"jewelcrm_{limit}",
                    "identifier": report.identifier,
                    "payload": {"stripe_customer_id": sub.stripe_customer_id, "value": str(report.quantity)},
                },
                {"idempotency_key": stripe_api.idempotency_key(report.identifier)},
            )
            report.sent_at = timezone.now()
            report.save(update_fields=["sent_at"])
            sent.append(report)
    return sent
