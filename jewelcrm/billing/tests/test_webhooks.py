"""The Stripe webhook: signature matrix (STR-01), one effect per event (STR-02, STR-03), any order
(STR-04), a crash rolls back (STR-05). Stripe is faked at the library's HTTP client only."""

from __future__ import annotations

import itertools
import json
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from jewelcrm.accounts.models import AuditLog
from jewelcrm.billing.models import Invoice, Notice, StripeEvent, Subscription, SubscriptionChange
from jewelcrm.billing.tests.factories import SubscriptionFactory
from jewelcrm.billing.tests.fake_stripe import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET, sign
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory

URL = "/billing/stripe/webhook/"


def post(payload: str, header: str | None, client: Client | None = None):
    client = client or Client()
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return client.post(URL, data=payload, content_type="application/json", **extra)


def deliver(event: dict, client: Client | None = None):
    payload = json.dumps(event)
    return post(payload, sign(payload), client)


def effects(brand) -> dict:
    with brand_context(brand):
        sub = Subscription.objects.filter(brand=brand).first()
        return {
            "events": StripeEvent.objects.count(),
            "changes": SubscriptionChange.objects.count(),
            "invoices": Invoice.objects.count(),
            "notices": Notice.objects.count(),
            "audits": AuditLog.objects.filter(action="billing.subscription").count(),
            "status": sub.status if sub else None,
            "subscription": sub.stripe_subscription_id if sub else None,
            "mrr": sub.mrr if sub else None,
        }


@pytest.fixture
def customer(brand, plans):
    SubscriptionFactory(brand=brand, status="trialing", stripe_customer_id="cus_A", plan=plans["starter"])
    MembershipFactory(brand=brand, role="owner")
    return "cus_A"


def test_url_is_the_named_webhook():
    assert reverse("billing:stripe_webhook") == URL


# --- STR-01 ---------------------------------------------------------------------------------------


def _matrix_case(case: str, event: dict) -> tuple[str, str | None]:
    payload = json.dumps(event)
    if case == "valid":
        return payload, sign(payload)
    if case == "one_byte_changed":
        header = sign(payload)
        return payload.replace('"livemode": false', '"livemode": falsf'), header
    if case == "wrong_secret":
        return payload, sign(payload, "whsec_someone_else")
    if case == "header_missing":
        return payload, None
    if case == "timestamp_past_tolerance":
        return payload, sign(payload, timestamp=int(time.time()) - 301)
    if case == "reserialised_body":
        header = sign(payload)
        return json.dumps(event, indent=2, sort_keys=True), header
    if case == "two_v1_old_and_new":
        ts = int(time.time())
        old = sign(payload, OLD_WEBHOOK_SECRET, ts).split(",")[1]
        new = sign(payload, WEBHOOK_SECRET, ts)
        return payload, f"{new},{old}"
    if case == "old_secret_during_rotation":
        return payload, sign(payload, OLD_WEBHOOK_SECRET)
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("valid", 200),
        ("one_byte_changed", 400),
        ("wrong_secret", 400),
        ("header_missing", 400),
        ("timestamp_past_tolerance", 400),
        ("reserialised_body", 400),
        ("two_v1_old_and_new", 200),
        ("old_secret_during_rotation", 200),
    ],
)
def test_signature_matrix(case, status, brand, customer, fake_stripe):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer, price="price_pro_month")
    event = fake_stripe.event("customer.subscription.updated", sub)
    payload, header = _matrix_case(case, event)
    before = effects(brand)

    response = post(payload, header)

    assert response.status_code == status
    after = effects(brand)
    if status == 400:
        assert after == before
        assert [c for c in fake_stripe.calls] == []
    else:
        assert after["events"] == 1
        assert after["status"] == "active"


def test_two_v1_signatures_pass_with_only_the_new_secret_configured(brand, customer, fake_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer)
    payload, header = _matrix_case(
        "two_v1_old_and_new", fake_stripe.event("customer.subscription.updated", sub)
    )
    assert post(payload, header).status_code == 200
    payload, header = _matrix_case(
        "old_secret_during_rotation", fake_stripe.event("customer.subscription.updated", sub)
    )
    assert post(payload, header).status_code == 400


def test_webhook_is_csrf_exempt_and_post_only(brand, customer, fake_stripe):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer)
    payload = json.dumps(fake_stripe.event("customer.subscription.updated", sub))
    response = Client(enforce_csrf_checks=True).post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )
    assert response.status_code == 200
    assert Client().get(URL).status_code == 405


# --- STR-02 ---------------------------------------------------------------------------------------


def test_same_event_five_times_in_a_row_has_one_effect(
    brand, customer, fake_stripe, django_capture_on_commit_callbacks
):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer, status="active")
    invoice = fake_stripe.add_invoice(
        subscription=sub["id"], customer=customer, status="open", attempt_count=1
    )
    event = fake_stripe.event("invoice.payment_failed", invoice)

    with django_capture_on_commit_callbacks(execute=True):
        results = [deliver(event).content.decode() for _ in range(5)]

    assert results == ["applied", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert effects(brand) | {"mrr": None} == {
        "events": 1,
        "changes": 1,
        "invoices": 1,
        "notices": 1,
        "audits": 1,
        "status": "active",
        "subscription": sub["id"],
        "mrr": None,
    }
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_same_event_five_times_concurrently_has_one_effect(brand, customer, fake_stripe):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer, status="active")
    invoice = fake_stripe.add_invoice(
        subscription=sub["id"], customer=customer, status="open", attempt_count=1
    )
    event = fake_stripe.event("invoice.payment_failed", invoice)
    barrier = threading.Barrier(5)
    results: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(deliver(event).content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["applied", "duplicate", "duplicate", "duplicate", "duplicate"]
    got = effects(brand)
    assert (got["events"], got["changes"], got["invoices"], got["notices"], got["audits"]) == (1, 1, 1, 1, 1)
    assert len(mail.outbox) == 1


# --- STR-03 ---------------------------------------------------------------------------------------


def test_two_event_ids_about_one_object_have_one_effect(
    brand, customer, fake_stripe, django_capture_on_commit_callbacks
):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer, status="active")
    invoice = fake_stripe.add_invoice(
        subscription=sub["id"], customer=customer, status="open", attempt_count=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(fake_stripe.event("invoice.payment_failed", invoice))
        second = deliver(fake_stripe.event("invoice.payment_failed", invoice))
        third = deliver(fake_stripe.event("customer.subscription.updated", sub))
        fourth = deliver(fake_stripe.event("customer.subscription.updated", sub))

    assert [r.content.decode() for r in (first, second, third, fourth)] == ["applied"] * 4
    got = effects(brand)
    assert (got["events"], got["changes"], got["invoices"], got["notices"], got["audits"]) == (4, 1, 1, 1, 1)
    assert len(mail.outbox) == 1


# --- STR-04 ---------------------------------------------------------------------------------------

ORDER_EVENTS = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "invoice.paid",
)


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_every_order_of_checkout_subscription_invoice_events_ends_in_the_same_state(
    order, brand, customer, fake_stripe, plans
):
    sub = fake_stripe.add_subscription(
        brand_id=brand.pk, customer=customer, price="price_pro_month", status="active"
    )
    invoice = fake_stripe.add_invoice(subscription=sub["id"], customer=customer, status="paid")
    # The payloads are snapshots of their moment (incomplete, then active); Stripe's object is the truth.
    stale = {**sub, "status": "incomplete"}
    session = {
        "id": "cs_1",
        "object": "checkout.session",
        "subscription": sub["id"],
        "customer": customer,
        "client_reference_id": str(brand.pk),
    }
    events = [
        fake_stripe.event("checkout.session.completed", session),
        fake_stripe.event("customer.subscription.created", stale),
        fake_stripe.event("customer.subscription.updated", sub),
        fake_stripe.event("invoice.paid", {**invoice, "status": "open"}),
    ]
    for index in order:
        assert deliver(events[index]).status_code == 200

    with brand_context(brand):
        local = Subscription.objects.get(brand=brand)
        assert (local.status, local.plan.code, local.stripe_subscription_id, local.mrr, local.interval) == (
            "active",
            "pro",
            sub["id"],
            Decimal("99.00"),
            "month",
        )
        assert local.current_period_end.timestamp() == 1_802_592_000
        assert list(Invoice.objects.values_list("status", "amount_paid")) == [("paid", Decimal("99.00"))]
        assert SubscriptionChange.objects.count() == 1


@pytest.mark.parametrize("new_first", [True, False])
def test_events_of_a_replaced_subscription_never_overwrite_the_new_one(
    new_first, brand, customer, fake_stripe, plans
):
    old = fake_stripe.add_subscription(
        brand_id=brand.pk,
        customer=customer,
        price="price_starter_month",
        status="active",
        created=1_700_000_000,
    )
    new = fake_stripe.add_subscription(
        brand_id=brand.pk,
        customer=customer,
        price="price_pro_year",
        status="active",
        unit_amount=299000,
        interval="year",
        created=1_700_100_000,
    )
    events = [
        fake_stripe.event("customer.subscription.updated", old),
        fake_stripe.event("customer.subscription.created", new),
    ]
    for event in reversed(events) if new_first else events:
        assert deliver(event).status_code == 200

    with brand_context(brand):
        local = Subscription.objects.get(brand=brand)
        assert (local.stripe_subscription_id, local.plan.code, local.interval, local.mrr) == (
            new["id"],
            "pro",
            "year",
            Decimal("249.17"),
        )
    # The replaced subscription was cancelled at Stripe (once, with a key naming old and new).
    assert fake_stripe.objects[old["id"]]["status"] == "canceled"
    cancels = [c for c in fake_stripe.calls if c["method"] == "DELETE"]
    assert len(cancels) == 1


def test_an_event_about_an_unknown_customer_is_stored_and_ignored(brand, customer, fake_stripe):
    sub = fake_stripe.add_subscription(brand_id=None, customer="cus_stranger")
    response = deliver(fake_stripe.event("customer.subscription.updated", sub))
    assert (response.status_code, response.content.decode()) == (200, "ignored")
    assert list(StripeEvent.objects.values_list("state", "note")) == [("ignored", "unknown customer")]
    assert effects(brand)["subscription"] == ""


def test_a_subscription_naming_a_brand_but_another_customer_is_ignored(brand, customer, fake_stripe):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer="cus_not_the_brands")
    assert deliver(fake_stripe.event("customer.subscription.updated", sub)).content.decode() == "ignored"
    assert effects(brand)["status"] == "trialing"


# --- STR-05 ---------------------------------------------------------------------------------------


def test_a_crash_after_the_event_row_rolls_back_and_the_redelivery_applies_once(
    brand, customer, fake_stripe, django_capture_on_commit_callbacks
):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer, status="active")
    invoice = fake_stripe.add_invoice(
        subscription=sub["id"], customer=customer, status="open", attempt_count=1
    )
    event = fake_stripe.event("invoice.payment_failed", invoice)
    before = effects(brand)

    # The event row and the subscription are written, then fetching the invoice fails: all rolls back.
    original = fake_stripe._route

    def crash_on_invoice(method, path, params):
        if path.startswith("/v1/invoices/"):
            raise RuntimeError("crash in the middle of the handler")
        return original(method, path, params)

    fake_stripe._route = crash_on_invoice
    with django_capture_on_commit_callbacks(execute=True):
        crashed = deliver(event)
    assert crashed.status_code == 500
    assert effects(brand) == before
    assert len(mail.outbox) == 0

    fake_stripe._route = original
    with django_capture_on_commit_callbacks(execute=True):
        results = [deliver(event).content.decode() for _ in range(2)]
    assert results == ["applied", "duplicate"]
    got = effects(brand)
    assert (got["events"], got["changes"], got["invoices"], got["notices"]) == (1, 1, 1, 1)
    assert len(mail.outbox) == 1


def test_each_failed_attempt_of_an_invoice_is_emailed_once(
    brand, customer, fake_stripe, django_capture_on_commit_callbacks
):
    sub = fake_stripe.add_subscription(brand_id=brand.pk, customer=customer, status="past_due")
    invoice = fake_stripe.add_invoice(
        subscription=sub["id"], customer=customer, status="open", attempt_count=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliver(fake_stripe.event("invoice.payment_failed", invoice))
        deliver(fake_stripe.event("invoice.payment_failed", invoice))
        invoice["attempt_count"] = 2  # Stripe's retry fails too
        deliver(fake_stripe.event("invoice.payment_failed", invoice))
        invoice.update(status="paid", amount_paid=invoice["amount_due"])
        sub["status"] = "active"
        deliver(fake_stripe.event("invoice.paid", invoice))
    with brand_context(brand):
        assert sorted(Notice.objects.values_list("key", flat=True)) == [
            f"{invoice['id']}:1",
            f"{invoice['id']}:2",
        ]
        assert Invoice.objects.get().status == "paid"
        assert Subscription.objects.get().past_due_since is None
    assert len(mail.outbox) == 2
