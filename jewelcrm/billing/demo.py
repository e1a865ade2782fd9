"""Demo billing: the plans on sale; Maison Aurore in its free trial, Horlogerie Léman on Pro, paid monthly,
with its invoices (usage comes from the demo's own stores, staff, customers and sales).

No Stripe is reached: the Stripe ids are made up. Without STRIPE_SECRET_KEY billing is off, so the plan
page shows these as they are and enforces nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jewelcrm.billing.models import Invoice, Plan, Subscription
from jewelcrm.demo import DemoContext

PLANS = [
    {
        "code": "starter",
        "name": "Starter",
        "name_fr": "Essentiel",
        "order": 1,
        "is_trial_default": True,
        "price_month": Decimal("290.00"),
        "price_year": Decimal("2900.00"),
        "limit_stores": 10,
        "limit_seats": 15,
        "limit_customers": 5000,
        "limit_registrations": 150,
        "limit_campaign_emails": 5000,
    },
    {
        "code": "pro",
        "name": "Pro",
        "name_fr": "Pro",
        "order": 2,
        "price_month": Decimal("790.00"),
        "price_year": Decimal("7900.00"),
        "limit_stores": 25,
        "limit_seats": 100,
        "limit_customers": 50000,
        "limit_registrations": 1000,
        "limit_campaign_emails": 50000,
        "stripe_price_registrations": "price_demo_pro_registrations",
        "stripe_price_campaign_emails": "price_demo_pro_emails",
    },
    {
        "code": "maison",
        "name": "Maison (unlimited)",
        "name_fr": "Maison (illimitée)",
        "order": 3,
        "price_month": Decimal("2490.00"),
        "price_year": Decimal("24900.00"),
    },
]


def _plans() -> dict[str, Plan]:
    plans = {}
    for fields in PLANS:
        code = fields["code"]
        defaults = {k: v for k, v in fields.items() if k != "code"}
        defaults.setdefault("stripe_price_month", f"price_demo_{code}_month")
        defaults.setdefault("stripe_price_year", f"price_demo_{code}_year")
        plans[code], _ = Plan.objects.get_or_create(code=code, defaults=defaults)
    return plans


def seed(ctx: DemoContext) -> None:
    plans = _plans()
    brand = ctx.brand
    if Subscription.objects.filter(brand=brand).exists():
        return
    now = timezone.now()
    if ctx.profile["slug"] == "maison-aurore":
        Subscription.objects.create(
            brand=brand,
            plan=plans["starter"],
            status="trialing",
            trial_end=now + timedelta(days=18),
            currency="EUR",
        )
        return
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    Subscription.objects.create(
        brand=brand,
        plan=plans["pro"],
        status="active",
        interval="month",
        stripe_customer_id=f"cus_demo_{brand.slug}",
        stripe_subscription_id=f"sub_demo_{brand.slug}",
        stripe_subscription_created=start - timedelta(days=95),
        stripe_price_id="price_demo_pro_month",
        current_period_start=start,
        current_period_end=end,
        mrr=Decimal("790.00"),
        currency="EUR",
        synced_at=now,
    )
    month = start
    for number in range(3, 0, -1):
        month = (month - timedelta(days=1)).replace(day=1)
        Invoice.objects.create(
            brand=brand,
            stripe_invoice_id=f"in_demo_{brand.slug}_{number}",
            number=f"LMN-2026-{number:03d}",
            status="paid",
            currency="EUR",
            amount_due=Decimal("790.00"),
            amount_paid=Decimal("790.00"),
            attempt_count=1,
            created=month,
            period_start=month,
        )
