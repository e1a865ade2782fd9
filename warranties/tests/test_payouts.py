"""Payout statements convert each currency's total to the brand's currency, with the rate and its date."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from customers.models import ExchangeRate
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties import selectors, services
from warranties.tests.factories import InterventionFactory, WarrantyClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(brand):
    paris = StoreFactory(brand=brand)
    geneva = StoreFactory(brand=brand, currency="CHF", country="CH")
    euro = WarrantyClaimFactory(brand=brand, intervention=InterventionFactory(brand=brand, store=paris))
    franc = WarrantyClaimFactory(
        brand=brand, intervention=InterventionFactory(brand=brand, store=geneva), currency="CHF"
    )
    with brand_context(brand):
        services.claim_decide(brand=brand, claim=euro, decision="approve")  # 100.00 EUR
        services.claim_decide(brand=brand, claim=franc, decision="partial", amount=Decimal("40"), reason="r")


def test_the_statement_converts_to_the_brand_currency_with_the_rate_and_its_date(brand, decided):
    today = timezone.localdate()
    ExchangeRate.objects.create(currency="CHF", date=today - timedelta(days=400), rate_to_eur=Decimal("0.90"))
    ExchangeRate.objects.create(currency="CHF", date=today - timedelta(days=1), rate_to_eur=Decimal("1.05"))
    with brand_context(brand):
        statement = selectors.payout_statement(brand=brand, month=today)
    assert statement.brand_currency == "EUR"
    franc = next(c for c in statement.conversions if c.currency == "CHF")
    assert (franc.total, franc.rate, franc.rate_date, franc.converted) == (
        Decimal("40.00"),
        Decimal("1.050000"),
        today - timedelta(days=1),
        Decimal("42.00"),
    )
    assert statement.converted_total == Decimal("142.00")


def test_a_missing_rate_is_said_not_guessed(brand, decided, owner_client):
    today = timezone.localdate()
    with brand_context(brand):
        statement = selectors.payout_statement(brand=brand, month=today)
    assert statement.converted_total is None
    body = owner_client.get(reverse("warranties:payouts", kwargs={"brand_slug": brand.slug})).content.decode()
    assert "No exchange rate for CHF: the total cannot be converted." in body
    assert "payout-converted-total" not in body
    ExchangeRate.objects.create(currency="CHF", date=today, rate_to_eur=Decimal("1.10"))
    body = owner_client.get(reverse("warranties:payouts", kwargs={"brand_slug": brand.slug})).content.decode()
    day = formats.date_format(today, "DATE_FORMAT")
    assert f"44.00 EUR at 1 CHF = 1.100000 EUR, rate of {day}" in body
    assert 'data-testid="payout-converted-total"><strong>144.00 EUR</strong>' in body
