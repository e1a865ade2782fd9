"""Writes of billing: limits and notices, Checkout and the Customer Portal, the subscription mirror
(webhooks and reconciliation), invoices, and metered usage.

Every write to Stripe carries an idempotency key derived from the local operation (`stripe_api`), and
the local state always follows the Stripe object's own status and period, re-fetched from Stripe, never
the order events arrive in.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.roles import Role
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.billing import selectors, stripe_api
from jewelcrm.billing.models import (
    METERED_LIMITS,
    ChangeKind,
    Interval,
    Invoice,
    LimitKind,
    Notice,
    NoticeKind,
    Plan,
    ReconciliationRun,
    Subscription,
    SubscriptionChange,
    SubscriptionStatus,
    UsageReport,
)
from jewelcrm.billing.usage import usage_count
from jewelcrm.tenancy.context import brand_context, dangerously_no_brand

logger = logging.getLogger(__name__)

# Limits that never stop anything: a sale at the counter is never refused, a customer never turned away.
NEVER_BLOCKING = frozenset({LimitKind.REGISTRATIONS, LimitKind.CUSTOMERS})
MRR_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE})


class LimitReached(ValidationError):
    """Raised by limit_check when an action would grow past the plan's limit."""


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _money(cents: Any) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


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


def limit_notices_update(
    *, brand: Brand, state: Any = None, counts: dict[str, int] | None = None
) -> list[Notice]:
    """Claim the 80% and 100% notices the brand's usage has reached this period (each once)."""
    state = state or selectors.billing_state_get(brand=brand)
    if not state.enforced or state.plan is None:
        return []
    claimed = []
    kinds = [LimitKind(k) for k in counts] if counts else list(LimitKind)
    for kind in kinds:
        allowed = state.limit(kind.value)
        if not allowed:
            continue
        used = (counts or {}).get(kind.value)
        if used is None:
            used = usage_count(brand=brand, limit=kind.value, start=state.period_start, end=state.period_end)
        for threshold, notice_kind in ((80, NoticeKind.LIMIT_80), (100, NoticeKind.LIMIT_100)):
            if used * 100 >= allowed * threshold:
                notice = notice_claim(
                    brand=brand,
                    kind=notice_kind,
                    key=f"{kind.value}:{state.period_start.isoformat()}",
                    limit=kind.value,
                    period_start=state.period_start,
                )
                if notice is not None:
                    claimed.append(notice)
    return claimed


def notice_claim(
    *, brand: Brand, kind: str, key: str, limit: str = "", period_start: datetime | None = None
) -> Notice | None:
    """Claim a notice by its unique key; the first claim enqueues its e-mail after commit, later ones
    do nothing (returns None)."""
    from jewelcrm.billing.tasks import send_notice_email_task

    notice, created = Notice.objects.get_or_create(
        brand=brand, kind=kind, key=key, defaults={"limit": limit, "period_start": period_start}
    )
    if not created:
        return None
    transaction.on_commit(functools.partial(send_notice_email_task.delay, brand.pk, notice.pk))
    return notice


def notice_email_send(*, brand: Brand, notice_id: int) -> bool:
    """E-mail a notice to the brand's owners, exactly once: the row is claimed (`emailed_at`, under a
    row lock) before the e-mail leaves; a failure to send releases the claim with the rollback."""
    from jewelcrm.accounts.models import Membership

    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id, emailed_at__isnull=True).first()
        if notice is None:
            return False
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
        owners = Membership.objects.filter(brand=brand, role=Role.OWNER, is_active=True).select_related(
            "user"
        )
        for membership in owners:
            user = membership.user
            with translation.override(user.language):
                context = {"brand": brand, "notice": notice, "user": user, "site_url": settings.SITE_URL}
                if notice.limit:
                    context["limit_label"] = LimitKind(notice.limit).label
                subject = render_to_string("billing/emails/notice_subject.txt", context).strip()
                body = render_to_string("billing/emails/notice.txt", context)
            send_mail(subject, body, None, [user.email])
    return True


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


# --- The subscription mirror -----------------------------------------------------------------------


def _item(remote: dict[str, Any]) -> dict[str, Any]:
    """The subscription's licensed item (the plan's price), not a metered one."""
    items = (remote.get("items") or {}).get("data") or []
    for item in items:
        recurring = (item.get("price") or {}).get("recurring") or {}
        if recurring.get("usage_type", "licensed") == "licensed":
            return item
    return items[0] if items else {}


def _mrr(remote: dict[str, Any]) -> tuple[Decimal, str]:
    item = _item(remote)
    price = item.get("price") or {}
    currency = (price.get("currency") or remote.get("currency") or "eur").upper()
    if remote.get("status") not in MRR_STATUSES:
        return Decimal("0.00"), currency
    amount = _money(price.get("unit_amount")) * int(item.get("quantity") or 1)
    interval = (price.get("recurring") or {}).get("interval")
    if interval == "year":
        amount = (amount / 12).quantize(Decimal("0.01"))
    return amount, currency


def _brand_of(remote: dict[str, Any]) -> Brand | None:
    raw = (remote.get("metadata") or {}).get("brand_id", "")
    if not str(raw).isdigit():
        return None
    return Brand.objects.filter(pk=int(raw)).first()


def _change_kind(before: Decimal, after: Decimal) -> str:
    if before == 0:
        return ChangeKind.NEW
    if after == 0:
        return ChangeKind.CHURN
    return ChangeKind.EXPANSION if after > before else ChangeKind.CONTRACTION


SYNCED_FIELDS = (
    "plan",
    "interval",
    "status",
    "stripe_customer_id",
    "stripe_subscription_id",
    "stripe_subscription_created",
    "stripe_price_id",
    "trial_end",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "past_due_since",
    "mrr",
    "currency",
)


def subscription_apply(*, remote: dict[str, Any], source: str) -> tuple[Brand | None, list[str]]:
    """Make the brand's subscription follow `remote` (a Stripe subscription as Stripe describes it now).

    Returns (brand, changed field names); (None, []) when the subscription names no known brand or
    belongs to another customer. A subscription older than the brand's current one changes nothing,
    so events about a replaced subscription never overwrite the new one, whatever their order."""
    brand = _brand_of(remote)
    if brand is None:
        return None, []
    with brand_context(brand):
        sub = Subscription.objects.select_for_update().filter(brand=brand).first()
        if sub is None:
            sub = Subscription(brand=brand)
        if sub.stripe_customer_id and remote.get("customer") != sub.stripe_customer_id:
            return None, []
        created = _ts(remote.get("created"))
        if (
            sub.stripe_subscription_id
            and sub.stripe_subscription_id != remote["id"]
            and sub.stripe_subscription_created
            and created
            and created < sub.stripe_subscription_created
        ):
            if remote.get("status") not in (
                SubscriptionStatus.CANCELED,
                SubscriptionStatus.INCOMPLETE_EXPIRED,
            ):
                _subscription_cancel_replaced(old_id=remote["id"], new_id=sub.stripe_subscription_id)
            return brand, []
        replaced = sub.stripe_subscription_id if sub.stripe_subscription_id not in ("", remote["id"]) else ""
        item = _item(remote)
        price_id = (item.get("price") or {}).get("id", "")
        plan = Plan.objects.filter(stripe_price_month=price_id).first()
        interval = Interval.MONTH
        if plan is None:
            plan = Plan.objects.filter(stripe_price_year=price_id).first()
            interval = Interval.YEAR if plan else Interval.MONTH
        mrr, currency = _mrr(remote)
        status = remote["status"]
        before = {name: getattr(sub, name) for name in SYNCED_FIELDS} if sub.pk else {}
        mrr_before, status_before = (
            (sub.mrr, sub.status) if sub.pk and sub.stripe_subscription_id else (Decimal("0.00"), "")
        )
        sub.plan = plan or sub.plan
        sub.interval = interval
        sub.status = status
        sub.stripe_customer_id = remote.get("customer") or sub.stripe_customer_id
        sub.stripe_subscription_id = remote["id"]
        sub.stripe_subscription_created = created
        sub.stripe_price_id = price_id
        sub.trial_end = _ts(remote.get("trial_end"))
        sub.current_period_start = _ts(item.get("current_period_start") or remote.get("current_period_start"))
        sub.current_period_end = _ts(item.get("current_period_end") or remote.get("current_period_end"))
        sub.cancel_at_period_end = bool(remote.get("cancel_at_period_end"))
        if status == SubscriptionStatus.PAST_DUE:
            sub.past_due_since = sub.past_due_since or timezone.now()
        else:
            sub.past_due_since = None
        sub.mrr, sub.currency = mrr, currency
        sub.synced_at = timezone.now()
        changed = [name for name in SYNCED_FIELDS if before.get(name, object()) != getattr(sub, name)]
        sub.save()
        if mrr != mrr_before:
            SubscriptionChange.objects.create(
                brand=brand,
                kind=_change_kind(mrr_before, mrr),
                mrr_before=mrr_before,
                mrr_after=mrr,
                currency=currency,
                status_before=status_before,
                status_after=status,
            )
        if changed:
            audit_log_record(
                brand=brand,
                action="billing.subscription",
                obj=sub,
                data={
                    "source": source,
                    "status": status,
                    "plan": plan.code if plan else None,
                    "changed": changed,
                },
            )
        if replaced:
            _subscription_cancel_replaced(old_id=replaced, new_id=remote["id"])
    return brand, changed


def _subscription_cancel_replaced(*, old_id: str, new_id: str) -> None:
    """A brand that changed plan through Checkout has a new subscription: end the one it replaces."""
    old = stripe_api.client().v1.subscriptions.retrieve(old_id).to_dict(for_json=True)
    if old.get("status") in (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED):
        return
    stripe_api.client().v1.subscriptions.cancel(
        old_id, {"prorate": True}, {"idempotency_key": stripe_api.idempotency_key("replace", old_id, new_id)}
    )


def invoice_apply(*, brand: Brand, remote: dict[str, Any]) -> tuple[Invoice, bool]:
    """Record an invoice as Stripe describes it now; returns (invoice, whether it was new)."""
    with brand_context(brand):
        fields = {
            "number": remote.get("number") or "",
            "status": remote.get("status") or "",
            "currency": (remote.get("currency") or "eur").upper(),
            "amount_due": _money(remote.get("amount_due")),
            "amount_paid": _money(remote.get("amount_paid")),
            "attempt_count": int(remote.get("attempt_count") or 0),
            "created": _ts(remote.get("created")) or timezone.now(),
            "period_start": _ts(remote.get("period_start")),
            "period_end": _ts(remote.get("period_end")),
            "hosted_invoice_url": remote.get("hosted_invoice_url") or "",
            "invoice_pdf": remote.get("invoice_pdf") or "",
        }
        invoice, created = Invoice.objects.update_or_create(
            brand=brand, stripe_invoice_id=remote["id"], defaults=fields
        )
        if invoice.status == "open" and invoice.attempt_count > 0:
            # One e-mail per failed attempt (Stripe retries during the grace period), whatever the
            # number of events about it.
            notice_claim(
                brand=brand, kind=NoticeKind.PAYMENT_FAILED, key=f"{remote['id']}:{invoice.attempt_count}"
            )
    return invoice, created


def _invoice_subscription_id(invoice: dict[str, Any]) -> str:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription") or ""


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
                    created=_ts(event.get("created")) or timezone.now(),
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
        subscription_id = _invoice_subscription_id(obj)
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


# --- Reconciliation ---------------------------------------------------------------------------------


def reconcile_all(*, fix: bool = True) -> ReconciliationRun:
    """Compare every brand's subscription with Stripe; report the drift and (with fix) repair it."""
    run = ReconciliationRun.objects.create()
    client = stripe_api.client()
    for brand in Brand.objects.filter(is_active=True).order_by("pk"):
        with dangerously_no_brand(), brand_context(brand):
            sub = Subscription.objects.filter(brand=brand).first()
            if sub is None or not sub.stripe_subscription_id:
                continue
            run.checked += 1
            local = {name: getattr(sub, name) for name in SYNCED_FIELDS}
        remote = client.v1.subscriptions.retrieve(sub.stripe_subscription_id).to_dict(for_json=True)
        diffs = _drift(local=local, remote=remote)
        if not diffs:
            continue
        run.drifted += 1
        run.details.append({"brand": brand.slug, "subscription": sub.stripe_subscription_id, "fields": diffs})
        logger.warning("billing drift for %s: %s", brand.slug, diffs)
        if fix:
            with transaction.atomic():
                subscription_apply(remote=remote, source="reconciliation")
    run.finished_at = timezone.now()
    run.save()
    return run


def _drift(*, local: dict[str, Any], remote: dict[str, Any]) -> dict[str, list[str]]:
    item = _item(remote)
    expected = {
        "status": remote.get("status"),
        "stripe_price_id": (item.get("price") or {}).get("id", ""),
        "current_period_end": _ts(item.get("current_period_end") or remote.get("current_period_end")),
        "cancel_at_period_end": bool(remote.get("cancel_at_period_end")),
        "trial_end": _ts(remote.get("trial_end")),
    }
    return {
        name: [str(local.get(name)), str(value)]
        for name, value in expected.items()
        if local.get(name) != value
    }
