"""Access by status (STR-07), the plan page per role, Checkout and Portal owner-only (STR-08), outbound
idempotency (STR-06), limits and notices, reconciliation (STR-10), no outside socket (STR-09)."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import stripe
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jewelcrm.billing import services
from jewelcrm.billing.models import Notice, ReconciliationRun, Subscription, UsageReport
from jewelcrm.billing.tests.factories import SubscriptionFactory, subscribed
from jewelcrm.retail.models import Store
from jewelcrm.tenancy.context import brand_context
from tests.factories import RetailerFactory, StoreFactory

pytestmark = pytest.mark.django_db


def plan_url(brand, name="plan"):
    return reverse(f"billing:{name}", kwargs={"brand_slug": brand.slug})


def store_form(retailer, code="NEW-1"):
    return {
        "retailer": retailer.pk,
        "code": code,
        "name": "New store",
        "type": "corner",
        "country": "FR",
        "currency": "EUR",
        "time_zone": "Europe/Paris",
        "market": "",
        "is_active": "on",
    }


# --- STR-07: the eight statuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "past_due_days", "level", "write_status"),
    [
        ("trialing", None, "full", 302),
        ("active", None, "full", 302),
        ("past_due", 3, "warning", 302),
        ("past_due", 15, "read_only", 403),  # past the 14-day grace
        ("incomplete", None, "warning", 302),
        ("unpaid", None, "read_only", 403),
        ("canceled", None, "read_only", 403),
        ("incomplete_expired", None, "read_only", 403),
        ("paused", None, "read_only", 403),
    ],
)
def test_each_status_gives_its_documented_access(
    status, past_due_days, level, write_status, brand, plans, client_for
):
    since = timezone.now() - timedelta(days=past_due_days) if past_due_days else None
    subscribed(brand, plans["pro"], status=status, past_due_since=since)
    retailer = RetailerFactory(brand=brand)
    owner = client_for(brand, "owner")

    from jewelcrm.billing.selectors import billing_state_get

    with brand_context(brand):
        assert billing_state_get(brand=brand).access.level == level
    # Reading and exporting always work.
    assert owner.get(reverse("retail:store_list", kwargs={"brand_slug": brand.slug})).status_code == 200
    page = owner.get(plan_url(brand))
    assert page.status_code == 200
    # Writing works only with full access (or a banner).
    response = owner.post(
        reverse("retail:store_create", kwargs={"brand_slug": brand.slug}), store_form(retailer)
    )
    assert response.status_code == write_status
    with brand_context(brand):
        assert Store.objects.filter(code="NEW-1").count() == (1 if write_status == 302 else 0)
    if level == "read_only":
        assert "can still be read and exported" in response.content.decode()
    # The billing pages stay writable, so the owner can pay.
    assert owner.post(plan_url(brand, "portal")).status_code == 303


def test_read_only_brand_api_refuses_writes_with_a_reason(brand, plans, client_for):
    subscribed(brand, plans["pro"], status="canceled")
    owner = client_for(brand, "owner")
    response = owner.post(f"/api/v1/{brand.slug}/stores/", {"code": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert "can still be read and exported" in response.json()["detail"]


def test_local_trial_runs_thirty_days_from_the_brand_then_pauses(brand, plans):
    from jewelcrm.billing.selectors import billing_state_get

    with brand_context(brand):
        state = billing_state_get(brand=brand)
        assert (state.status, state.plan.code, state.is_local_trial) == ("trialing", "starter", True)
        assert state.trial_end == brand.created_at + timedelta(days=30)
        later = billing_state_get(brand=brand, now=brand.created_at + timedelta(days=31))
        assert (later.status, later.access.level) == ("paused", "read_only")


def test_billing_off_gives_the_unlimited_internal_plan_and_full_access(brand, settings, client_for):
    settings.STRIPE_SECRET_KEY = ""
    from jewelcrm.billing.selectors import billing_state_get

    with brand_context(brand):
        state = billing_state_get(brand=brand, now=brand.created_at + timedelta(days=400))
        assert (state.plan, state.access.level, state.plan_name) == (None, "full", "Internal (unlimited)")
        services.limit_check(brand=brand, limit="stores", adding=10_000)
    page = client_for(brand, "owner").get(plan_url(brand))
    assert 'data-testid="billing-off"' in page.content.decode()


# --- The plan page per role and brand -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "page", "checkout", "portal"),
    [
        ("owner", 200, 303, 303),
        ("admin", 200, 403, 403),
        ("marketer", 403, 403, 403),
        ("analyst", 403, 403, 403),
        ("retail_manager", 403, 403, 403),
        ("sales_associate", 403, 403, 403),
    ],
)
def test_plan_page_and_stripe_sessions_per_role(
    role, page, checkout, portal, brand, plans, client_for, fake_stripe
):
    subscribed(brand, plans["starter"])
    client = client_for(brand, role)
    assert client.get(plan_url(brand)).status_code == page
    response = client.post(plan_url(brand, "checkout"), {"plan": "pro", "interval": "year"})
    assert response.status_code == checkout
    response = client.post(plan_url(brand, "portal"))
    assert response.status_code == portal
    sessions = fake_stripe.posts("/v1/checkout/sessions")
    assert len(sessions) == (1 if role == "owner" else 0)
    if role == "owner":
        assert sessions[0]["params"]["line_items[0][price]"] == "price_pro_year"
        assert sessions[0]["params"]["subscription_data[metadata][brand_id]"] == str(brand.pk)


def test_admin_sees_the_page_read_only(brand, plans, client_for):
    body = client_for(brand, "admin").get(plan_url(brand)).content.decode()
    assert 'data-testid="owner-only"' in body
    assert 'data-testid="choose-pro"' not in body


def test_another_brands_owner_gets_404_for_page_checkout_portal_and_return(
    brand, other_brand, plans, client_for, fake_stripe
):
    subscribed(brand, plans["starter"])
    stranger = client_for(other_brand, "owner")
    assert stranger.get(plan_url(brand)).status_code == 404
    assert stranger.post(plan_url(brand, "checkout"), {"plan": "pro", "interval": "month"}).status_code == 404
    assert stranger.post(plan_url(brand, "portal")).status_code == 404
    assert stranger.get(plan_url(brand, "returned") + "?checkout=success&session_id=cs_x").status_code == 404
    assert fake_stripe.calls == []


def test_the_success_url_grants_nothing(brand, plans, client_for, fake_stripe):
    owner = client_for(brand, "owner")
    owner.post(plan_url(brand, "checkout"), {"plan": "pro", "interval": "month"})
    session_id = fake_stripe.posts("/v1/checkout/sessions")[0]
    response = owner.get(plan_url(brand, "returned") + "?checkout=success&session_id=cs_000002")
    assert response.status_code == 302
    with brand_context(brand):
        sub = Subscription.objects.get(brand=brand)
        assert (sub.stripe_subscription_id, sub.plan.code, sub.status) == ("", "starter", "trialing")
    assert session_id["method"] == "POST"


def test_plan_page_shows_usage_bars_and_invoices(brand, plans, client_for):
    subscribed(brand, plans["starter"])
    StoreFactory(brand=brand)
    StoreFactory(brand=brand)
    body = client_for(brand, "owner").get(plan_url(brand)).content.decode()
    assert 'data-testid="usage-stores"' in body
    assert "2 of 2" in body
    assert '<progress max="100" value="100"' in body
    assert "No invoice yet" in body


# --- STR-06: outbound idempotency -----------------------------------------------------------------


def test_checkout_retried_three_times_creates_one_customer_and_one_session(
    brand, plans, client_for, fake_stripe
):
    owner = client_for(brand, "owner")
    urls = set()
    for _ in range(3):
        with brand_context(brand):
            urls.add(
                services.checkout_session_create(
                    brand=brand,
                    membership=owner.membership,
                    plan=plans["pro"],
                    interval="month",
                    success_url="https://x.test/ok",
                    cancel_url="https://x.test/no",
                )
            )
    assert len(urls) == 1
    customers = fake_stripe.posts("/v1/customers")
    sessions = fake_stripe.posts("/v1/checkout/sessions")
    assert len(customers) == 1  # the customer id is kept after the first call
    assert len(sessions) == 3 and len({c["key"] for c in sessions}) == 1
    assert all(c["key"].startswith("jewelcrm-") for c in fake_stripe.calls if c["method"] == "POST")
    assert sum(1 for o in fake_stripe.objects.values() if o["object"] == "checkout.session") == 1


def test_a_network_failure_is_retried_by_the_library_with_the_same_key(
    brand, plans, client_for, fake_stripe, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    owner = client_for(brand, "owner")
    fake_stripe.fail_next = 2
    with brand_context(brand):
        services.checkout_session_create(
            brand=brand,
            membership=owner.membership,
            plan=plans["pro"],
            interval="month",
            success_url="https://x.test/ok",
            cancel_url="https://x.test/no",
        )
    customers = fake_stripe.posts("/v1/customers")
    assert len(customers) == 3 and len({c["key"] for c in customers}) == 1
    assert sum(1 for o in fake_stripe.objects.values() if o["object"] == "customer") == 1


def test_metered_overage_is_reported_once_per_unit(brand, plans, fake_stripe):
    from warranties.tests.factories import RegistrationFactory

    subscribed(brand, plans["pro"])
    for _ in range(12):
        RegistrationFactory(brand=brand)
    with brand_context(brand):
        first = services.usage_report(brand=brand)
        again = services.usage_report(brand=brand)
        assert [(r.quantity, r.total) for r in first] == [(2, 2)]
        assert again == []
    assert [e["payload"]["value"] for e in fake_stripe.meter_events] == ["2"]
    RegistrationFactory(brand=brand)
    fake_stripe.fail_next = 1
    with brand_context(brand), pytest.raises(stripe.APIConnectionError):
        services.usage_report(brand=brand)
    with brand_context(brand):
        services.usage_report(brand=brand)  # the unsent report goes again, same identifier
        assert list(UsageReport.objects.order_by("total").values_list("total", flat=True)) == [2, 3]
    assert [e["payload"]["value"] for e in fake_stripe.meter_events] == ["2", "1"]
    assert len({e["identifier"] for e in fake_stripe.meter_events}) == 2


# --- Limits and notices -----------------------------------------------------------------------------


def test_a_store_past_the_limit_is_refused_and_notices_are_claimed_once(
    brand, plans, client_for, django_capture_on_commit_callbacks
):
    from tests.factories import MembershipFactory

    MembershipFactory(brand=brand, role="owner")
    subscribed(brand, plans["starter"])
    retailer = RetailerFactory(brand=brand)
    admin = client_for(brand, "admin")
    url = reverse("retail:store_create", kwargs={"brand_slug": brand.slug})
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url, store_form(retailer, "S-1")).status_code == 302
        assert admin.post(url, store_form(retailer, "S-2")).status_code == 302
        refused = admin.post(url, store_form(retailer, "S-3"))
    assert refused.status_code == 400
    assert "Your plan allows 2" in refused.content.decode()
    with brand_context(brand):
        assert Store.objects.count() == 2
        assert sorted(Notice.objects.values_list("kind", "limit")) == [
            ("limit_100", "stores"),
            ("limit_80", "stores"),
        ]
    # Two owners' e-mails? one owner: one e-mail per notice.
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [f"{brand.name}: 80% of a limit used (Stores)", f"{brand.name}: limit reached (Stores)"]
    )
    banner = admin.get(reverse("retail:store_list", kwargs={"brand_slug": brand.slug})).content.decode()
    assert 'data-testid="billing-banner"' in banner and "Limit reached: Stores." in banner


def test_registrations_and_customers_never_block(brand, plans):
    subscribed(brand, plans["starter"])
    with brand_context(brand):
        services.limit_check(brand=brand, limit="registrations", adding=1000)
        services.limit_check(brand=brand, limit="customers", adding=1000)
        with pytest.raises(ValidationError):
            services.limit_check(brand=brand, limit="campaign_emails", adding=1000)


def test_seat_limit_shows_on_the_invitation_form(brand, plans, client_for):
    plans["starter"].limit_seats = 1
    plans["starter"].save()
    subscribed(brand, plans["starter"])
    owner = client_for(brand, "owner")
    response = owner.post(
        reverse("accounts:team_invite", kwargs={"brand_slug": brand.slug}),
        {"email": "new@example.test", "role": "marketer", "full_name": "New"},
    )
    assert response.status_code == 200
    assert "Your plan allows 1 (staff seats); you use 1." in response.content.decode()
    with brand_context(brand):
        from jewelcrm.accounts.models import Membership

        assert Membership.objects.count() == 1


def test_seat_limit_stops_an_invitation(brand, plans, client_for):
    from jewelcrm.accounts.services import membership_invite

    plans["starter"].limit_seats = 1
    plans["starter"].save()
    subscribed(brand, plans["starter"])
    owner = client_for(brand, "owner")
    with brand_context(brand), pytest.raises(ValidationError):
        membership_invite(brand=brand, actor=owner.membership, email="new@example.test", role="marketer")


# --- STR-10: reconciliation ------------------------------------------------------------------------


def test_reconciliation_reports_and_fixes_seeded_drift(brand, other_brand, plans, fake_stripe):
    from jewelcrm.billing.services import subscription_apply

    remote = fake_stripe.add_subscription(brand_id=brand.pk, customer="cus_A", price="price_pro_month")
    calm = fake_stripe.add_subscription(
        brand_id=other_brand.pk, customer="cus_B", price="price_starter_month"
    )
    SubscriptionFactory(brand=brand, status="trialing", stripe_customer_id="cus_A")
    SubscriptionFactory(brand=other_brand, status="trialing", stripe_customer_id="cus_B")
    subscription_apply(remote=remote, source="test")
    subscription_apply(remote=calm, source="test")
    # Drift: Stripe moved on (a missed webhook).
    remote["status"] = "past_due"
    remote["cancel_at_period_end"] = True

    run = services.reconcile_all(fix=True)

    assert (run.checked, run.drifted) == (2, 1)
    assert run.details == [
        {
            "brand": brand.slug,
            "subscription": remote["id"],
            "fields": {"status": ["active", "past_due"], "cancel_at_period_end": ["False", "True"]},
        }
    ]
    with brand_context(brand):
        assert Subscription.objects.get(brand=brand).status == "past_due"
    again = services.reconcile_all(fix=True)
    assert (again.checked, again.drifted) == (2, 0)
    assert ReconciliationRun.objects.count() == 2


# --- STR-09 ------------------------------------------------------------------------------------------


def test_the_suite_opens_no_socket_to_the_outside():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="outside"):
            sock.connect(("93.184.215.14", 443))
    finally:
        sock.close()


def test_reopening_a_closed_store_past_the_limit_is_refused(brand, plans):
    from jewelcrm.retail.services import store_update

    subscribed(brand, plans["starter"])
    StoreFactory(brand=brand)
    StoreFactory(brand=brand)
    closed = StoreFactory(brand=brand, is_active=False)
    with brand_context(brand):
        with pytest.raises(ValidationError):
            store_update(brand=brand, store=closed, is_active=True)
        closed.refresh_from_db()
        assert closed.is_active is False
        store_update(brand=brand, store=closed, name="Renamed while closed")


def test_read_only_applies_to_api_keys_and_reads_still_work(brand, plans):
    from rest_framework.test import APIClient

    from jewelcrm.accounts.services import api_key_create

    subscribed(brand, plans["pro"], status="unpaid")
    StoreFactory(brand=brand, code="KEEP-1")
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="ERP")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    url = reverse("api-stores", kwargs={"brand_slug": brand.slug})
    listed = client.get(url)
    assert listed.status_code == 200
    assert [s["code"] for s in listed.json()["results"]] == ["KEEP-1"]
    refused = client.post(url, {"code": "NEW-2", "name": "New"}, format="json")
    assert refused.status_code == 403
    with brand_context(brand):
        assert list(Store.objects.values_list("code", flat=True)) == ["KEEP-1"]


def test_another_brands_invoices_and_usage_never_show(brand, other_brand, plans, client_for):
    from jewelcrm.billing.models import Invoice

    for b, number in ((brand, "MINE-1"), (other_brand, "THEIRS-1")):
        SubscriptionFactory(
            brand=b,
            status="active",
            plan=plans["starter"],
            stripe_customer_id=f"cus_{b.pk}",
            stripe_subscription_id=f"sub_{b.pk}",
        )
        with brand_context(b):
            Invoice.objects.create(brand=b, stripe_invoice_id=f"in_{number}", number=number, status="paid")
    StoreFactory(brand=other_brand)
    StoreFactory(brand=other_brand)
    body = client_for(brand, "owner").get(plan_url(brand)).content.decode()
    assert "MINE-1" in body and "THEIRS-1" not in body
    assert "0 of 2" in body  # stores: none of the other brand's two


@pytest.mark.django_db(transaction=True)
def test_two_stores_created_at_once_at_the_limit_only_one_passes(brand, plans):
    import threading

    from django.db import connection

    from jewelcrm.retail.services import store_create

    subscribed(brand, plans["starter"])
    StoreFactory(brand=brand)
    retailer = RetailerFactory(brand=brand)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(code: str) -> None:
        try:
            barrier.wait()
            with brand_context(brand):
                store_create(
                    brand=brand,
                    retailer=retailer,
                    code=code,
                    name=code,
                    type="corner",
                    country="FR",
                    currency="EUR",
                    time_zone="Europe/Paris",
                )
            outcomes.append("created")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(code,)) for code in ("T-1", "T-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused"]
    with brand_context(brand):
        assert Store.objects.count() == 2
