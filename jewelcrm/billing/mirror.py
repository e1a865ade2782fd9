"""The brand's subscription and invoices follow Stripe's own objects (re-fetched), whatever the order
of the events that tell about them; the nightly reconciliation re-fetches every brand's subscription."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.billing import stripe_api
from jewelcrm.billing.models import (
    ChangeKind,
    Interval,
    Invoice,
    NoticeKind,
    Plan,
    ReconciliationRun,
    Subscription,
    SubscriptionChange,
    SubscriptionStatus,
)
from jewelcrm.billing.notices import notice_claim
from jewelcrm.tenancy.context import brand_context, dangerously_no_brand

logger = logging.getLogger(__name__)

MRR_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE})


def timestamp_datetime(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _money(cents: Any) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


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
        created = timestamp_datetime(remote.get("created"))
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
        sub.trial_end = timestamp_datetime(remote.get("trial_end"))
        sub.current_period_start = timestamp_datetime(
            item.get("current_period_start") or remote.get("current_period_start")
        )
        sub.current_period_end = timestamp_datetime(
            item.get("current_period_end") or remote.get("current_period_end")
        )
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
            "created": timestamp_datetime(remote.get("created")) or timezone.now(),
            "period_start": timestamp_datetime(remote.get("period_start")),
            "period_end": timestamp_datetime(remote.get("period_end")),
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


def invoice_subscription_id(invoice: dict[str, Any]) -> str:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription") or ""


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
        "current_period_end": timestamp_datetime(
            item.get("current_period_end") or remote.get("current_period_end")
        ),
        "cancel_at_period_end": bool(remote.get("cancel_at_period_end")),
        "trial_end": timestamp_datetime(remote.get("trial_end")),
    }
    return {
        name: [str(local.get(name)), str(value)]
        for name, value in expected.items()
        if local.get(name) != value
    }
