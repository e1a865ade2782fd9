"""The platform's overview of billing, across brands (platform staff only).

Subscriptions and invoices are brand rows under row-level security, so the overview reads them one
brand at a time inside that brand's context, and records one audit row per brand read (ISO-13).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.billing.models import (
    EventState,
    Invoice,
    ReconciliationRun,
    StripeEvent,
    SubscriptionChange,
    SubscriptionStatus,
)
from jewelcrm.billing.selectors import BillingState, billing_state_get
from jewelcrm.tenancy.context import brand_context, dangerously_no_brand

TRIAL_ENDING_DAYS = 7


@dataclass
class BrandLine:
    brand: Any
    state: BillingState
    failed_invoices: list[Invoice]

    @property
    def mrr(self) -> Decimal:
        sub = self.state.subscription
        return sub.mrr if sub else Decimal("0.00")

    @property
    def currency(self) -> str:
        sub = self.state.subscription
        return sub.currency if sub else ""


@dataclass
class Overview:
    lines: list[BrandLine] = field(default_factory=list)
    mrr: dict[str, Decimal] = field(default_factory=dict)
    movement: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    trials_ending: list[BrandLine] = field(default_factory=list)
    failed: list[BrandLine] = field(default_factory=list)
    last_reconciliation: ReconciliationRun | None = None
    ignored_events: int = 0


def overview_get(*, actor: Any, now: Any = None) -> Overview:
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    overview = Overview()
    mrr: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    movement: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: Decimal("0.00")))
    for brand in Brand.objects.filter(is_active=True).order_by("name"):
        with dangerously_no_brand(), brand_context(brand):
            state = billing_state_get(brand=brand, now=now)
            failed = list(Invoice.objects.filter(brand=brand, status="open", attempt_count__gt=0))
            for change in SubscriptionChange.objects.filter(brand=brand, at__gte=month_start):
                movement[change.currency][change.kind] += change.mrr_after - change.mrr_before
            audit_log_record(brand=brand, action="platform.billing_read", actor=actor, data={})
        line = BrandLine(brand=brand, state=state, failed_invoices=failed)
        overview.lines.append(line)
        if line.mrr:
            mrr[line.currency] += line.mrr
        if (
            state.status == SubscriptionStatus.TRIALING
            and state.trial_end
            and now <= state.trial_end <= now + timedelta(days=TRIAL_ENDING_DAYS)
        ):
            overview.trials_ending.append(line)
        if failed or state.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
            overview.failed.append(line)
    overview.mrr = dict(mrr)
    overview.movement = {currency: dict(kinds) for currency, kinds in movement.items()}
    overview.last_reconciliation = ReconciliationRun.objects.first()
    overview.ignored_events = StripeEvent.objects.filter(state=EventState.IGNORED).count()
    return overview
