"""Billing tests run with billing on, against the fake Stripe at the library's HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jewelcrm.billing import stripe_api
from jewelcrm.billing.tests.fake_stripe import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET, FakeStripe


@pytest.fixture(autouse=True)
def fake_stripe(settings: Any) -> Iterator[FakeStripe]:
    settings.STRIPE_SECRET_KEY = "sk_test_fake"  # noqa: S105 - a fake key for the fake Stripe
    settings.STRIPE_WEBHOOK_SECRET = f"{OLD_WEBHOOK_SECRET},{WEBHOOK_SECRET}"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fake = FakeStripe()
    previous = stripe_api.use_http_client(fake)
    yield fake
    stripe_api.use_http_client(previous)


@pytest.fixture
def plans(db: Any) -> dict[str, Any]:
    from jewelcrm.billing.tests.factories import PlanFactory

    return {
        "starter": PlanFactory(
            code="starter",
            name="Starter",
            name_fr="Essentiel",
            order=1,
            is_trial_default=True,
            limit_stores=2,
            limit_seats=5,
            limit_customers=100,
            limit_registrations=10,
            limit_campaign_emails=50,
        ),
        "pro": PlanFactory(
            code="pro",
            name="Pro",
            name_fr="Pro",
            order=2,
            price_month="299.00",
            price_year="2990.00",
            limit_stores=20,
            limit_seats=50,
            limit_customers=10000,
            limit_registrations=10,
            limit_campaign_emails=5000,
            stripe_price_registrations="price_pro_registrations",
            stripe_price_campaign_emails="price_pro_emails",
        ),
    }
