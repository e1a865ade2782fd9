"""Reads of billing: a brand's state (plan, status, access, period), its usage, invoices and notices;
the plans on sale; and the platform's overview across brands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.billing.access import FULL, Access, access_for
from jewelcrm.billing.models import (
    Invoice,
    LimitKind,
    Notice,
    NoticeKind,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from jewelcrm.billing.stripe_api import billing_enabled
from jewelcrm.billing.usage import usage_count

INTERNAL_PLAN_NAME = _("Internal (unlimited)")


@dataclass
class BillingState:
    brand: Any
    enabled: bool
    plan: Plan | None
    status: str
    access: Access
    subscription: Subscription | None
    trial_end: datetime | None
    period_start: datetime
    period_end: datetime
    interval: str = "month"
    is_local_trial: bool = False

    @property
    def plan_name(self) -> str:
        if self.plan is None:
            return str(INTERNAL_PLAN_NAME)
        from django.utils.translation import get_language

        return self.plan.name_fr if (get_language() or "").startswith("fr") else self.plan.name

    def limit(self, kind: str) -> int | None:
        return None if self.plan is None else self.plan.limit(kind)

    @property
    def enforced(self) -> bool:
        """Limits and access are enforced only when billing is on."""
        return self.enabled

    @property
    def status_label(self) -> str:
        return str(SubscriptionStatus(self.status).label)


def _month_of(now: datetime) -> tuple[datetime, datetime]:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def plan_trial_default() -> Plan | None:
    return Plan.objects.filter(is_trial_default=True, is_active=True).order_by("order").first()


def plan_list(*, on_sale: bool = True) -> QuerySet[Plan]:
    plans = Plan.objects.all()
    return plans.filter(is_active=True) if on_sale else plans


def plan_get(*, code: str) -> Plan | None:
    return Plan.objects.filter(code=code, is_active=True).first()


def subscription_get(*, brand: Any) -> Subscription | None:
    return Subscription.objects.filter(brand=brand).select_related("plan").first()


def billing_state_get(*, brand: Any, now: datetime | None = None) -> BillingState:
    """The brand's plan, status, access and current period. Runs inside the brand's context."""
    now = now or timezone.now()
    enabled = billing_enabled()
    sub = subscription_get(brand=brand)
    month_start, month_end = _month_of(now)
    if sub is not None and sub.stripe_subscription_id:
        status = sub.status
        plan = sub.plan
        trial_end = sub.trial_end
        start, end = month_start, month_end
        if sub.current_period_start and sub.current_period_end and sub.current_period_start <= now:
            start, end = sub.current_period_start, sub.current_period_end
        local = False
    elif sub is None and not enabled:
        # Billing off and nothing recorded: the unlimited internal plan.
        return BillingState(
            brand=brand,
            enabled=False,
            plan=None,
            status=SubscriptionStatus.ACTIVE,
            access=Access(level=FULL, status=SubscriptionStatus.ACTIVE),
            subscription=None,
            trial_end=None,
            period_start=month_start,
            period_end=month_end,
        )
    else:
        # The local trial, before any Stripe subscription: from the brand's creation.
        trial_end = (sub.trial_end if sub and sub.trial_end else None) or (
            brand.created_at + timedelta(days=settings.BILLING_TRIAL_DAYS)
        )
        status = SubscriptionStatus.TRIALING if now < trial_end else SubscriptionStatus.PAUSED
        plan = (sub.plan if sub else None) or plan_trial_default()
        start, end = month_start, month_end
        local = True
    access = access_for(status=status, past_due_since=sub.past_due_since if sub else None, now=now)
    if not enabled:
        access = Access(level=FULL, status=status)
    return BillingState(
        brand=brand,
        enabled=enabled,
        plan=plan,
        status=status,
        access=access,
        subscription=sub,
        trial_end=trial_end,
        period_start=start,
        period_end=end,
        interval=sub.interval if sub else "month",
        is_local_trial=local,
    )


@dataclass
class UsageLine:
    limit: str
    label: str
    used: int
    allowed: int | None
    metered: bool = False

    @property
    def percent(self) -> int:
        if not self.allowed:
            return 0 if self.allowed is None else 100
        return min(100, round(100 * self.used / self.allowed))

    @property
    def over(self) -> int:
        return max(0, self.used - self.allowed) if self.allowed is not None else 0

    @property
    def level(self) -> str:
        if self.allowed is None:
            return "ok"
        if self.used >= self.allowed:
            return "full"
        return "warn" if self.percent >= 80 else "ok"


def usage_lines(*, state: BillingState) -> list[UsageLine]:
    lines = []
    for kind in LimitKind:
        used = usage_count(
            brand=state.brand, limit=kind.value, start=state.period_start, end=state.period_end
        )
        metered = bool(state.plan and state.plan.metered_price(kind.value))
        lines.append(UsageLine(kind.value, str(kind.label), used, state.limit(kind.value), metered))
    return lines


def invoice_list(*, brand: Any) -> QuerySet[Invoice]:
    return Invoice.objects.filter(brand=brand).order_by("-created")


def notice_list_current(*, brand: Any, state: BillingState) -> list[Notice]:
    """The limit notices of the current period (the header shows them), highest threshold per limit."""
    notices = Notice.objects.filter(
        brand=brand, kind__in=[NoticeKind.LIMIT_80, NoticeKind.LIMIT_100], period_start=state.period_start
    ).order_by("limit", "-kind")
    best: dict[str, Notice] = {}
    for notice in notices:
        if notice.limit not in best or notice.kind == NoticeKind.LIMIT_100:
            best[notice.limit] = notice
    return list(best.values())


@dataclass
class PlatformRow:
    brand: Any
    state: BillingState
    mrr: Decimal
    currency: str
    failed_invoices: list[Invoice] = field(default_factory=list)
