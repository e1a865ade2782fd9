"""Billing: plans (the platform's catalogue), each brand's subscription, its invoices, usage reports,
notices, and the log of Stripe events.

`Plan` and `StripeEvent` are platform tables (no brand). The rest belong to one brand each and follow
the brand-table rules (BrandScopedModel, row-level security): brand staff read them on their plan page.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class SubscriptionStatus(models.TextChoices):
    """Stripe's eight subscription statuses. What each allows is in jewelcrm/billing/access.py."""

    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment overdue")
    UNPAID = "unpaid", _("Unpaid")
    CANCELED = "canceled", _("Cancelled")
    INCOMPLETE = "incomplete", _("First payment pending")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("First payment failed")
    PAUSED = "paused", _("Paused")


class LimitKind(models.TextChoices):
    STORES = "stores", _("Stores")
    SEATS = "seats", _("Staff seats")
    CUSTOMERS = "customers", _("Customers")
    REGISTRATIONS = "registrations", _("Warranty registrations this period")
    CAMPAIGN_EMAILS = "campaign_emails", _("Campaign e-mails this period")


# Limits counted over the billing period (the others count what exists now).
PERIODIC_LIMITS = frozenset({LimitKind.REGISTRATIONS, LimitKind.CAMPAIGN_EMAILS})
# Usage above these limits is billed as metered overage; the others stop what grows.
METERED_LIMITS = PERIODIC_LIMITS


class Plan(models.Model):
    """A plan platform staff sell. An empty limit means unlimited."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    is_active = models.BooleanField(_("on sale"), default=True)
    is_trial_default = models.BooleanField(
        _("plan of the trial"), default=False, help_text=_("The limits a brand has during its free trial.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    price_month = models.DecimalField(_("monthly price"), max_digits=10, decimal_places=2, default=Decimal(0))
    price_year = models.DecimalField(_("yearly price"), max_digits=10, decimal_places=2, default=Decimal(0))
    stripe_price_month = models.CharField(_("Stripe price, monthly"), max_length=80, blank=True)
    stripe_price_year = models.CharField(_("Stripe price, yearly"), max_length=80, blank=True)
    stripe_price_registrations = models.CharField(
        _("Stripe metered price, extra registrations"), max_length=80, blank=True
    )
    stripe_price_campaign_emails = models.CharField(
        _("Stripe metered price, extra campaign e-mails"), max_length=80, blank=True
    )
    limit_stores = models.PositiveIntegerField(_("stores"), null=True, blank=True)
    limit_seats = models.PositiveIntegerField(_("staff seats"), null=True, blank=True)
    limit_customers = models.PositiveIntegerField(_("customers"), null=True, blank=True)
    limit_registrations = models.PositiveIntegerField(_("registrations per month"), null=True, blank=True)
    limit_campaign_emails = models.PositiveIntegerField(
        _("campaign e-mails per month"), null=True, blank=True
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name

    def limit(self, kind: str) -> int | None:
        return getattr(self, f"limit_{kind}")

    def stripe_price(self, interval: str) -> str:
        return self.stripe_price_year if interval == Interval.YEAR else self.stripe_price_month

    def metered_price(self, kind: str) -> str:
        return getattr(self, f"stripe_price_{kind}", "") or ""


class Subscription(BrandScopedModel):
    """The brand's subscription: a mirror of its Stripe subscription, or its local trial before one."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    interval = models.CharField(_("billing"), max_length=8, choices=Interval.choices, default=Interval.MONTH)
    status = models.CharField(
        _("status"), max_length=24, choices=SubscriptionStatus.choices, default=SubscriptionStatus.TRIALING
    )
    stripe_customer_id = models.CharField(max_length=80, blank=True)
    stripe_subscription_id = models.CharField(max_length=80, blank=True)
    stripe_subscription_created = models.DateTimeField(null=True, blank=True)
    stripe_price_id = models.CharField(max_length=80, blank=True)
    trial_end = models.DateTimeField(_("trial ends"), null=True, blank=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(_("renews on"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    past_due_since = models.DateTimeField(null=True, blank=True)
    mrr = models.DecimalField(_("monthly revenue"), max_digits=12, decimal_places=2, default=Decimal(0))
    currency = models.CharField(max_length=3, default="EUR")
    updated_at = models.DateTimeField(auto_now=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["brand"], name="billing_subscription_one_per_brand")]
        indexes = [
            models.Index(fields=["brand", "stripe_subscription_id"], name="billing_sub_brand_stripe"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} · {self.status}"


class Invoice(BrandScopedModel):
    """An invoice of the brand, as Stripe last described it."""

    stripe_invoice_id = models.CharField(max_length=80)
    number = models.CharField(_("number"), max_length=80, blank=True)
    status = models.CharField(_("status"), max_length=24)
    currency = models.CharField(max_length=3, default="EUR")
    amount_due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2, default=Decimal(0))
    amount_paid = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2, default=Decimal(0))
    attempt_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(_("date"), default=timezone.now)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    hosted_invoice_url = models.URLField(max_length=500, blank=True)
    invoice_pdf = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["brand", "stripe_invoice_id"], name="billing_invoice_unique"),
        ]
        indexes = [models.Index(fields=["brand", "created"], name="billing_invoice_brand_created")]

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id


class NoticeKind(models.TextChoices):
    LIMIT_80 = "limit_80", _("80% of a limit reached")
    LIMIT_100 = "limit_100", _("Limit reached")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")


class Notice(BrandScopedModel):
    """One notice to the brand's owner, claimed once by its key before it is e-mailed.

    Keys: `<limit>:<period start>` for limit notices (one per threshold and period),
    `<invoice id>:<attempt>` for a failed payment (one per attempt Stripe makes).
    """

    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    key = models.CharField(max_length=120)
    limit = models.CharField(max_length=24, choices=LimitKind.choices, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["brand", "kind", "key"], name="billing_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class UsageReport(BrandScopedModel):
    """Metered overage reported to Stripe: the total reported so far for one limit and period.

    A row is claimed before the call; its id names the meter event, so a retry is the same event.
    """

    limit = models.CharField(max_length=24, choices=LimitKind.choices)
    period_start = models.DateTimeField()
    quantity = models.PositiveIntegerField(help_text="overage in this report")
    total = models.PositiveIntegerField(help_text="overage reported up to and including this report")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "limit", "period_start", "total"], name="billing_usage_report_once"
            ),
        ]

    @property
    def identifier(self) -> str:
        return (
            f"jewelcrm-usage-{self.brand_id}-{self.limit}-{int(self.period_start.timestamp())}-{self.total}"
        )


class ChangeKind(models.TextChoices):
    NEW = "new", _("New")
    EXPANSION = "expansion", _("Expansion")
    CONTRACTION = "contraction", _("Contraction")
    CHURN = "churn", _("Churn")


class SubscriptionChange(BrandScopedModel):
    """A change of the brand's monthly revenue (MRR movement), written only when it changes."""

    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    mrr_before = models.DecimalField(max_digits=12, decimal_places=2)
    mrr_after = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    status_before = models.CharField(max_length=24, blank=True)
    status_after = models.CharField(max_length=24)

    class Meta:
        indexes = [models.Index(fields=["brand", "at"], name="billing_change_brand_at")]


class EventState(models.TextChoices):
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Ignored")


class StripeEvent(models.Model):
    """Every verified Stripe event, stored once by its id (platform log, not brand data).

    The row is written in the same transaction as the event's effect: both commit, or neither.
    """

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80, blank=True)
    created = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    livemode = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=EventState.choices, default=EventState.APPLIED)
    note = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class ReconciliationRun(models.Model):
    """One nightly comparison of local subscriptions with Stripe (platform log)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    drifted = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.drifted}/{self.checked}"
