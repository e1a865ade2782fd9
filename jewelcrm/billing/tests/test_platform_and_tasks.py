"""The platform's overview, the CSRF-exempt list, the demo, notice e-mails, the periodic tasks, the
reconciliation command and the plan page's query count."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from jewelcrm.accounts.models import AuditLog
from jewelcrm.billing import services, tasks
from jewelcrm.billing.models import Invoice, Notice, StripeEvent, Subscription
from jewelcrm.billing.tests.factories import SubscriptionFactory, subscribed
from jewelcrm.billing.tests.fake_stripe import sign
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- The platform's overview -------------------------------------------------------------------------


def test_platform_overview_for_staff_only_with_mrr_trials_and_failed_payments(
    brand, other_brand, plans, fake_stripe, client_for
):
    remote = fake_stripe.add_subscription(brand_id=brand.pk, customer="cus_A", price="price_pro_month")
    SubscriptionFactory(brand=brand, status="trialing", stripe_customer_id="cus_A")
    services.subscription_apply(remote=remote, source="test")
    with brand_context(brand):
        Invoice.objects.create(
            brand=brand, stripe_invoice_id="in_1", status="open", attempt_count=2, amount_due=Decimal("99.00")
        )
    SubscriptionFactory(
        brand=other_brand,
        status="trialing",
        plan=plans["starter"],
        trial_end=timezone.now() + timedelta(days=5),
    )
    staff = UserFactory(email="platform@example.test", is_staff=True)
    client = Client()
    client.force_login(staff)

    response = client.get(reverse("billing:platform"))

    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.mrr == {"EUR": Decimal("99.00")}
    assert overview.movement == {"EUR": {"new": Decimal("99.00")}}
    assert [line.brand.slug for line in overview.trials_ending] == [other_brand.slug]
    assert [line.brand.slug for line in overview.failed] == [brand.slug]
    for b in (brand, other_brand):
        with brand_context(b):
            assert AuditLog.objects.filter(action="platform.billing_read", actor=staff).count() == 1
    assert client_for(brand, "owner").get(reverse("billing:platform")).status_code == 403
    assert Client().get(reverse("billing:platform")).status_code == 302


# --- CSRF: the exempt list ----------------------------------------------------------------------------

# The only views that accept a POST without a CSRF token: Stripe's webhook (signed) and, when the
# campaigns app adds it, the one-click unsubscribe (RFC 8058).


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _patterns(entry, namespace)
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.name}", entry.callback


def test_the_webhook_is_among_the_only_csrf_exempt_views():
    from rest_framework.views import APIView

    # DRF's views are marked exempt but check CSRF themselves for session-authenticated calls.
    exempt = {
        name
        for name, view in _patterns(get_resolver())
        if getattr(view, "csrf_exempt", False) and not issubclass(getattr(view, "cls", object), APIView)
    }
    from tests.platform.test_csrf import EXEMPT  # the one reviewed list of CSRF-exempt views

    assert "billing:stripe_webhook" in exempt
    assert exempt <= set(EXEMPT)


# --- The demo -----------------------------------------------------------------------------------------


def test_demo_has_one_brand_in_trial_and_one_active_with_invoices(brand, other_brand):
    from jewelcrm.billing import demo
    from jewelcrm.billing.selectors import billing_state_get
    from jewelcrm.demo import DemoContext

    for b, slug in ((brand, "maison-aurore"), (other_brand, "horlogerie-leman")):
        ctx = DemoContext(
            brand=b, profile={"slug": slug}, size="small", rng=random.Random(1), today=date(2026, 12, 5)
        )
        with brand_context(b):
            demo.seed(ctx)
            demo.seed(ctx)
    with brand_context(brand):
        state = billing_state_get(brand=brand)
        assert (state.status, state.plan.code, Invoice.objects.count()) == ("trialing", "starter", 0)
    with brand_context(other_brand):
        state = billing_state_get(brand=other_brand)
        assert (state.status, state.plan.code, Invoice.objects.count()) == ("active", "pro", 3)


# --- Notices: e-mailed once -----------------------------------------------------------------------------


def test_a_notice_is_claimed_and_emailed_once(brand, plans, django_capture_on_commit_callbacks):
    owner = MembershipFactory(brand=brand, role="owner")
    MembershipFactory(brand=brand, role="admin")
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        first = services.notice_claim(brand=brand, kind="limit_80", key="stores:2026-12", limit="stores")
        second = services.notice_claim(brand=brand, kind="limit_80", key="stores:2026-12", limit="stores")
    assert first is not None and second is None
    tasks.send_notice_email_task.delay(brand.pk, first.pk)  # a redelivered task
    assert [m.to for m in mail.outbox] == [[owner.user.email]]
    with brand_context(brand):
        assert Notice.objects.get().emailed_at is not None


def test_the_notice_email_is_in_the_owners_language(brand, plans, django_capture_on_commit_callbacks):
    MembershipFactory(brand=brand, role="owner", user=UserFactory(language="fr"))
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        services.notice_claim(brand=brand, kind="limit_100", key="seats:2026-12", limit="seats")
    assert mail.outbox[0].subject == f"{brand.name} : limite atteinte (Comptes utilisateurs)"


# --- Periodic tasks ---------------------------------------------------------------------------------------


def test_hourly_usage_job_claims_notices_and_reports_overage_per_brand(
    brand, plans, fake_stripe, django_capture_on_commit_callbacks
):
    from warranties.tests.factories import RegistrationFactory

    MembershipFactory(brand=brand, role="owner")
    subscribed(brand, plans["pro"])
    for _ in range(11):
        RegistrationFactory(brand=brand)
    with django_capture_on_commit_callbacks(execute=True):
        brand_ids = tasks.update_usage_all_task.delay().get()
    assert brand_ids == [brand.pk]
    assert [(e["event_name"], e["payload"]["value"]) for e in fake_stripe.meter_events] == [
        ("jewelcrm_registrations", "1")
    ]
    with brand_context(brand):
        assert sorted(Notice.objects.values_list("kind", "limit")) == [
            ("limit_100", "registrations"),
            ("limit_80", "registrations"),
        ]
    assert len(mail.outbox) == 2


def test_nightly_reconciliation_task_and_command(brand, plans, fake_stripe):
    remote = fake_stripe.add_subscription(brand_id=brand.pk, customer="cus_A", price="price_pro_month")
    SubscriptionFactory(brand=brand, status="trialing", stripe_customer_id="cus_A")
    services.subscription_apply(remote=remote, source="test")
    remote["status"] = "unpaid"

    out = StringIO()
    call_command("billing_reconcile", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{brand.slug} ({remote['id']}): status: active → unpaid",
        "1 subscription(s) checked, 1 drifted.",
    ]
    with brand_context(brand):
        assert Subscription.objects.get().status == "active"  # reported, not fixed

    assert tasks.reconcile_subscriptions_task.delay().get() == {"checked": 1, "drifted": 1}
    with brand_context(brand):
        assert Subscription.objects.get().status == "unpaid"


def test_an_event_about_a_subscription_stripe_does_not_know_is_ignored(brand, plans, fake_stripe):
    event = fake_stripe.event("customer.subscription.updated", {"id": "sub_gone", "object": "subscription"})
    payload = json.dumps(event)
    response = Client().post(
        "/billing/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )
    assert (response.status_code, response.content.decode()) == (200, "ignored")
    assert StripeEvent.objects.get().note == "unknown subscription"


# --- Query count -----------------------------------------------------------------------------------------


def test_plan_page_query_count_does_not_grow_with_invoices(brand, plans, client_for):
    subscribed(brand, plans["pro"])
    owner = client_for(brand, "owner")
    owner.get(reverse("billing:plan", kwargs={"brand_slug": brand.slug}))  # warm up the session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert owner.get(reverse("billing:plan", kwargs={"brand_slug": brand.slug})).status_code == 200
        return len(queries)

    with brand_context(brand):
        Invoice.objects.create(brand=brand, stripe_invoice_id="in_first", status="paid")
    before = count()
    with brand_context(brand):
        for n in range(15):
            Invoice.objects.create(brand=brand, stripe_invoice_id=f"in_{n}", status="paid")
    assert count() == before


def test_switching_billing_on_starts_trials_from_now_for_older_brands(brand, other_brand, plans):
    from jewelcrm.billing.selectors import billing_state_get

    SubscriptionFactory(brand=other_brand, status="active", stripe_subscription_id="sub_B")
    old = timezone.now() - timedelta(days=400)
    brand.created_at = old
    brand.save(update_fields=["created_at"])
    with brand_context(brand):
        assert billing_state_get(brand=brand).status == "paused"

    out = StringIO()
    call_command("billing_start_trials", stdout=out)
    call_command("billing_start_trials", stdout=out)

    assert out.getvalue().splitlines() == ["1 trial(s) started.", "0 trial(s) started."]
    with brand_context(brand):
        state = billing_state_get(brand=brand)
        assert (state.status, state.plan.code) == ("trialing", "starter")
        assert state.trial_end > timezone.now() + timedelta(days=29)
    with brand_context(other_brand):
        assert billing_state_get(brand=other_brand).status == "active"


def test_choosing_the_plan_the_brand_is_already_on_is_refused(brand, plans, client_for, fake_stripe):
    subscribed(brand, plans["pro"])
    owner = client_for(brand, "owner")
    url = reverse("billing:checkout", kwargs={"brand_slug": brand.slug})
    response = owner.post(url, {"plan": "pro", "interval": "month"}, follow=True)
    assert "The brand is already on this plan." in response.content.decode()
    assert fake_stripe.posts("/v1/checkout/sessions") == []
    assert owner.post(url, {"plan": "pro", "interval": "year"}).status_code == 303


@pytest.mark.django_db(transaction=True)
def test_a_notice_enqueued_three_times_reaches_a_real_worker_and_is_emailed_once(brand, plans, celery_worker):
    MembershipFactory(brand=brand, role="owner")
    with brand_context(brand):
        notice = Notice.objects.create(brand=brand, kind="limit_100", key="stores:x", limit="stores")
    results = [tasks.send_notice_email_task.delay(brand.pk, notice.pk) for _ in range(3)]
    assert sorted(r.get(timeout=30) for r in results) == [False, False, True]
    assert len(mail.outbox) == 1
