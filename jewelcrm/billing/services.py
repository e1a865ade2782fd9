"""Writes of billing: limits and notices, Checkout and the Customer Portal, the subscription mirror
(webhooks and reconciliation), invoices, and metered usage.

Every write to Stripe carries an idempotency key derived from the local operation (`stripe_api`), and
the local state always follows the Stripe object's own status and period, re-fetched from Stripe, never
the order events arrive in.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.roles import Role
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.billing import selectors, stripe_api
from jewelcrm.billing.metering import usage_report
from jewelcrm.billing.mirror import (
    invoice_apply,
    invoice_subscription_id,
    reconcile_all,
    subscription_apply,
    timestamp_datetime,
)
from jewelcrm.billing.models import (
    METERED_LIMITS,
    Interval,
    LimitKind,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from jewelcrm.billing.notices import limit_notices_update, notice_claim, notice_email_send
from jewelcrm.billing.usage import usage_count
from jewelcrm.tenancy.context import brand_context, dangerously_no_brand

__all__ = [
    "LimitReached",
    "WebhookRejected",
    "checkout_session_create",
    "invoice_apply",
    "limit_check",
    "limit_notices_update",
    "notice_claim",
    "notice_email_send",
    "portal_session_create",
    "reconcile_all",
    "subscription_apply",
    "trials_start",
    "usage_report",
    "webhook_event_process",
    "webhook_verify",
]

logger = logging.getLogger(__name__)

# Limits that never stop anything: a sale at the counter is never refused, a customer never turned away.
NEVER_BLOCKING = frozenset({LimitKind.REGISTRATIONS, LimitKind.CUSTOMERS})


class LimitReached(ValidationError):
    """Raised by limit_check when an action would grow past the plan's limit."""


# --- Limits and notices -------------------------------------------------------------------------


def limit_check(*, brand: Brand, limit: str, adding: int = 1) -> None:
    """Refuse an action that would take `limit` past the plan (stores, seats, campaign e-mails without
    metered overage). Never refuses registrations or customers. Claims the 80%/100% notice the action
    reaches. The one hook other apps call before they create what the plan counts."""
    state = selectors.billing_state_get(brand=brand)
    allowed = state.limit(limit)
    if not state.enforced or allowed is None:
        return
    if state.subscription is not None:
        # Serialise the brand's growth checks: two requests at the limit cannot both pass.
        Subscription.objects.select_for_update().filter(pk=state.subscription.pk).first()
    used = usage_count(brand=brand, limit=limit, start=state.period_start, end=state.period_end)
    blocking = limit not in NEVER_BLOCKING and not (
        limit in METERED_LIMITS and state.plan and state.plan.metered_price(limit)
    )
    if blocking and used + adding > allowed:
        label = LimitKind(limit).label
        message = _("Your plan allows %(allowed)s (%(what)s); you use %(used)s. Change plan to add more.") % {
            "allowed": allowed,
            "what": str(label).lower(),
            "used": used,
        }
        # A non-field error, so every form and the API show it whatever their fields.
        raise LimitReached({NON_FIELD_ERRORS: [message]})
    limit_notices_update(brand=brand, state=state, counts={limit: used + adding})


# --- Checkout and the Customer Portal ------------------------------------------------------------


def _require_owner(membership: Any) -> None:
    if membership is None or membership.role != Role.OWNER:
        raise PermissionDenied


def _subscription_row(brand: Brand) -> Subscription:
    sub = Subscription.objects.select_for_update().filter(brand=brand).first()
    if sub is None:
        state = selectors.billing_state_get(brand=brand)
        sub = Subscription.objects.create(
            brand=brand,
            plan=state.plan,
            status=state.status,
            trial_end=state.trial_end,
            currency=state.plan.currency if state.plan else "EUR",
        )
    return sub


def _customer_ensure(*, brand: Brand, sub: Subscription, email: str) -> str:
    if sub.stripe_customer_id:
        return sub.stripe_customer_id
    customer = stripe_api.client().v1.customers.create(
        {"name": brand.name, "email": email, "metadata": {"brand_id": str(brand.pk), "brand": brand.slug}},
        {"idempotency_key": stripe_api.idempotency_key("customer", brand.pk)},
    )
    sub.stripe_customer_id = customer.id
    sub.save(update_fields=["stripe_customer_id", "updated_at"])
    return customer.id


def checkout_session_create(
    *, brand: Brand, membership: Any, plan: Plan, interval: str, success_url: str, cancel_url: str
) -> str:
    """A Stripe Checkout session for the brand to subscribe to `plan`; returns its URL.

    Only the brand's owner. The idempotency key names the brand, plan, interval and the subscription's
    current state, so a double submit or a retried call opens the same session."""
    _require_owner(membership)
    if not stripe_api.billing_enabled():
        raise ValidationError(_("Billing is not set up on this installation."))
    if interval not in Interval.values or not plan.is_active or not plan.stripe_price(interval):
        raise ValidationError(_("Choose a plan and how often to pay."))
    with transaction.atomic():
        sub = _subscription_row(brand)
        current = selectors.billing_state_get(brand=brand)
        if (
            not current.is_local_trial
            and current.access.may_write
            and current.plan == plan
            and current.interval == interval
        ):
            raise ValidationError(_("The brand is already on this plan."))
        customer_id = _customer_ensure(brand=brand, sub=sub, email=membership.user.email)
        line_items: list[dict[str, Any]] = [{"price": plan.stripe_price(interval), "quantity": 1}]
        line_items += [
            {"price": plan.metered_price(k)} for k in sorted(METERED_LIMITS) if plan.metered_price(k)
        ]
        subscription_data: dict[str, Any] = {"metadata": {"brand_id": str(brand.pk)}}
        state = selectors.billing_state_get(brand=brand)
        # The rest of the local trial carries over (Stripe wants a trial end at least 48 hours ahead).
        if state.is_local_trial and state.trial_end and (state.trial_end - timezone.now()).days >= 2:
            subscription_data["trial_end"] = int(state.trial_end.timestamp())
        session = stripe_api.client().v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": str(brand.pk),
                "line_items": line_items,
                "subscription_data": subscription_data,
                "metadata": {"brand_id": str(brand.pk)},
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
            {
                "idempotency_key": stripe_api.idempotency_key(
                    "checkout",
                    brand.pk,
                    plan.code,
                    interval,
                    sub.stripe_subscription_id,
                    sub.status,
                    sub.updated_at.isoformat(),
                )
            },
        )
        audit_log_record(
            brand=brand,
            action="billing.checkout",
            actor=membership.user,
            obj=sub,
            data={"plan": plan.code, "interval": interval, "session": session.id},
        )
    return session.url


def trials_start(*, now: datetime | None = None) -> int:
    """Give every active brand without a subscription row a fresh trial from now (for an installation
    switching billing on: brands created long ago would otherwise find their trial already over)."""
    from datetime import timedelta

    now = now or timezone.now()
    started = 0
    plan = Plan.objects.filter(is_trial_default=True, is_active=True).order_by("order").first()
    for brand in Brand.objects.filter(is_active=True).order_by("pk"):
        with dangerously_no_brand(), brand_context(brand):
            _row, created = Subscription.objects.get_or_create(
                brand=brand,
                defaults={
                    "plan": plan,
                    "status": SubscriptionStatus.TRIALING,
                    "trial_end": now + timedelta(days=settings.BILLING_TRIAL_DAYS),
                    "currency": plan.currency if plan else "EUR",
                },
            )
            started += int(created)
    return started


def portal_session_create(*, brand: Brand, membership: Any, return_url: str) -> str:
    """A Stripe Customer Portal session (card, invoices, cancellation); only the brand's owner."""
    _require_owner(membership)
    sub = selectors.subscription_get(brand=brand)
    if not stripe_api.billing_enabled() or sub is None or not sub.stripe_customer_id:
        raise ValidationError(_("Choose a plan first: the billing portal opens once you subscribe."))
    session = stripe_api.client().v1.billing_portal.sessions.create(
        {"customer": sub.stripe_customer_id, "return_url": return_url},
        {
            "idempotency_key": stripe_api.idempotency_key(
                "portal",
                brand.pk,
                membership.pk,
                sub.updated_at.isoformat(),
                timezone.now().strftime("%Y%m%d%H%M"),
            )
        },
    )
    return session.url


# --- Webhooks -------------------------------------------------------------------------------------


class WebhookRejected(Exception):
    """The request is not a genuine, fresh Stripe event: answer 400, write nothing."""


def webhook_verify(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check the Stripe-Signature header with the stripe library against every configured secret
    (two during a rotation) and the tolerance; returns the event."""
    import json

    secrets = stripe_api.webhook_secrets()
    if not secrets or not signature:
        raise WebhookRejected("missing signature or secret")
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE
            )
        except stripe.SignatureVerificationError:
            continue
        try:
            event = json.loads(payload)
        except ValueError as error:
            raise WebhookRejected("not JSON") from error
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise WebhookRejected("not an event")
        return event
    raise WebhookRejected("bad signature")


HANDLED = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "customer.subscription.trial_will_end",
        "invoice.paid",
        "invoice.payment_failed",
        "invoice.payment_succeeded",
        "invoice.finalized",
        "invoice.voided",
        "invoice.marked_uncollectible",
    }
)


def webhook_event_process(*, event: dict[str, Any]) -> str:
    """Store the event once by its id and apply it, in one transaction: both commit or neither.

    Returns "applied", "ignored" or "duplicate". A second delivery (in a row or concurrently) finds
    the id taken and does nothing; an error rolls everything back, so the redelivery applies it."""
    from django.db import IntegrityError

    from jewelcrm.billing.models import EventState, StripeEvent

    obj = (event.get("data") or {}).get("object") or {}
    with dangerously_no_brand(), transaction.atomic():
        try:
            with transaction.atomic():
                row = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=event["type"],
                    object_id=str(obj.get("id", ""))[:80],
                    created=timestamp_datetime(event.get("created")) or timezone.now(),
                    livemode=bool(event.get("livemode")),
                    payload=event,
                )
        except IntegrityError:
            return "duplicate"
        note = _event_apply(event_type=event["type"], obj=obj)
        if note:
            row.state, row.note = EventState.IGNORED, note[:200]
            row.save(update_fields=["state", "note"])
            return "ignored"
    return "applied"


def _event_apply(*, event_type: str, obj: dict[str, Any]) -> str:
    """Apply one event by re-fetching the objects it is about. Returns a note when it is ignored."""
    if event_type not in HANDLED:
        return "not handled"
    client = stripe_api.client()
    if event_type == "checkout.session.completed":
        subscription_id = obj.get("subscription") or ""
        if not subscription_id:
            return "no subscription"
    elif event_type.startswith("customer.subscription."):
        subscription_id = obj["id"]
    else:
        subscription_id = invoice_subscription_id(obj)
    if not subscription_id:
        return "no subscription"
    try:
        remote = client.v1.subscriptions.retrieve(subscription_id).to_dict(for_json=True)
    except stripe.InvalidRequestError as error:
        if error.code == "resource_missing":
            return "unknown subscription"
        raise
    brand, _changed = subscription_apply(remote=remote, source=event_type)
    if brand is None:
        return "unknown customer"
    if event_type.startswith("invoice."):
        invoice = client.v1.invoices.retrieve(obj["id"]).to_dict(for_json=True)
        invoice_apply(brand=brand, remote=invoice)
    return ""
