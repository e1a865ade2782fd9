"""The brand owner's plan page: usage against the trial's limits, Pro chosen through Checkout (Stripe's
page is stood in for), the return page granting nothing until Stripe's signed webhook arrives."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jewelcrm.billing import stripe_api
from jewelcrm.billing.tests.factories import PlanFactory
from jewelcrm.billing.tests.fake_stripe import WEBHOOK_SECRET, FakeStripe, sign
from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_stripe(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"  # noqa: S105 - a fake key for the fake Stripe
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fake = FakeStripe()
    previous = stripe_api.use_http_client(fake)
    yield fake
    stripe_api.use_http_client(previous)


def test_owner_sees_usage_and_changes_plan_through_checkout(page, phone_page, login, screenshot, fake_stripe):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore", code_prefix="AUR")
    PlanFactory(
        code="starter",
        name="Starter",
        name_fr="Essentiel",
        order=1,
        is_trial_default=True,
        price_month="290.00",
        price_year="2900.00",
        limit_stores=2,
        limit_seats=10,
        limit_customers=500,
        limit_registrations=100,
        limit_campaign_emails=1000,
    )
    PlanFactory(
        code="pro",
        name="Pro",
        name_fr="Pro",
        order=2,
        price_month="790.00",
        price_year="7900.00",
        limit_stores=25,
        limit_seats=100,
        limit_customers=50000,
        limit_registrations=1000,
        limit_campaign_emails=50000,
    )
    StoreFactory(brand=brand, code="PAR-VDM")
    StoreFactory(brand=brand, code="PAR-GL")
    owner = UserFactory(email="owner@aurore.test", full_name="Claire Aurore")
    MembershipFactory(brand=brand, role="owner", user=owner)

    login(page, owner.email)
    page.get_by_test_id("mainnav").get_by_role("link", name="Plan and billing").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("plan-name").inner_text() == "Starter"
    assert page.get_by_test_id("plan-status").inner_text() == "Trial"
    assert "2 of 2" in page.get_by_test_id("usage-stores").inner_text()
    assert page.get_by_test_id("usage-stores").locator("progress").get_attribute("value") == "100"
    screenshot(page, "billing-plan")

    # Stripe Checkout is Stripe's: stand in for its page.
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><title>Checkout</title><p>Stripe Checkout</p>",
        ),
    )
    page.get_by_test_id("plan-pro").get_by_label("Billing").select_option("year")
    page.get_by_test_id("choose-pro").click()
    page.wait_for_url("https://checkout.stripe.com/**")
    session = fake_stripe.posts("/v1/checkout/sessions")[0]["params"]
    assert session["line_items[0][price]"] == "price_pro_year"
    success_url = session["success_url"].replace("{CHECKOUT_SESSION_ID}", "cs_000002")

    # Back from Checkout before Stripe's webhook: nothing is granted yet.
    page.goto(success_url)
    page.wait_for_load_state("networkidle")
    assert "as soon as Stripe confirms" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("plan-name").inner_text() == "Starter"

    # Stripe completes the payment and signs its event.
    customer = session["customer"]
    sub = fake_stripe.add_subscription(
        brand_id=brand.pk, customer=customer, price="price_pro_year", unit_amount=790000, interval="year"
    )
    event = fake_stripe.event(
        "checkout.session.completed",
        {"id": "cs_000002", "object": "checkout.session", "subscription": sub["id"], "customer": customer},
    )
    payload = json.dumps(event)
    response = Client().post(
        "/billing/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )
    assert response.status_code == 200

    page.reload()
    assert page.get_by_test_id("plan-name").inner_text() == "Pro"
    assert page.get_by_test_id("plan-status").inner_text() == "Active"
    assert "2 of 25" in page.get_by_test_id("usage-stores").inner_text()

    # The page on a phone: cards, no sideways scrolling.
    login(phone_page, owner.email)
    phone_page.goto(f"/b/{brand.slug}/billing/")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone_page.get_by_test_id("plan-name").inner_text() == "Pro"
