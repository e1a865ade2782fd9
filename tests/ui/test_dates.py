"""One date format per language, unambiguous for European staff: "5 Dec 2026" / "5 déc. 2026", in tables
and summaries alike, never 07/03/2026 nor "Dec. 5, 2026"."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from customers.tests.factories import CustomerFactory, OrderFactory
from warranties.tests.factories import RegistrationFactory

AMBIGUOUS = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b[A-Z][a-z]{2}\. \d{1,2}, \d{4}\b")


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["5 Dec 2026", "7 Mar 2026", "5 Dec 2026, 14:30"]),
        ("fr", ["5 déc. 2026", "7 mars 2026", "5 déc. 2026, 14:30"]),
    ],
)
def test_one_format_per_language_for_dates_and_short_dates(language, expected):
    from datetime import UTC, datetime

    with translation.override(language):
        assert [
            formats.date_format(date(2026, 12, 5), "SHORT_DATE_FORMAT"),
            formats.date_format(date(2026, 3, 7), "DATE_FORMAT"),
            formats.date_format(datetime(2026, 12, 5, 14, 30, tzinfo=UTC), "SHORT_DATETIME_FORMAT"),
        ] == expected


@pytest.mark.parametrize(("language", "day"), [("en", "7 Mar 2026"), ("fr", "7 mars 2026")])
def test_the_customer_page_shows_dates_one_way(brand, owner_client, language, day):
    customer = CustomerFactory(brand=brand, birth_date=date(1980, 3, 7), customer_since=date(2026, 3, 7))
    RegistrationFactory(brand=brand, customer=customer, sold_on=date(2026, 3, 7))
    OrderFactory(brand=brand, customer=customer)
    owner_client.cookies["django_language"] = language
    body = owner_client.get(
        reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": customer.pk})
    ).content.decode()
    assert day in body
    assert AMBIGUOUS.findall(body) == []
