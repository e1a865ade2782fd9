"""On a phone: the owner chooses what they receive in the portal, and unsubscribes in one tap from the
link of a marketing e-mail, in French (campaigns.delivery)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from campaigns.delivery.tokens import Unsubscribe, token_make
from customers.models import Consent
from customers.services import consent_record
from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://[^/\s]+(/portal/\S+/link/\S+/)")


@pytest.fixture
def brand():
    return BrandFactory(
        name="Maison Aurore", slug="maison-aurore", code_prefix="AUR", primary_colour="#7A1F3D"
    )


@pytest.fixture
def owner(brand):
    person = CustomerFactory(brand=brand, first_name="Héloïse", email="heloise@example.test", language="fr")
    with brand_context(brand):
        consent_record(
            brand=brand, customer=person, channel="email", is_granted=True, is_confirmed=True, source="store"
        )
    return person


def _ledger(brand, owner):
    with brand_context(brand):
        return list(
            Consent.objects.filter(customer=owner)
            .order_by("at", "id")
            .values_list("channel", "purpose", "is_granted", "source")
        )


def test_the_owner_chooses_on_a_phone_what_they_receive(phone_page, brand, owner):
    page = phone_page
    page.goto(f"/portal/{brand.slug}/")
    page.get_by_label("Your e-mail address").fill(owner.email)
    page.get_by_test_id("send-link").click()
    page.get_by_test_id("link-sent").wait_for()
    page.goto(LINK.search(mail.outbox[-1].body).group(1))
    page.get_by_test_id("use-link").click()
    page.wait_for_url(f"**/portal/{brand.slug}/pieces/")
    page.goto(f"/portal/{brand.slug}/preferences/")
    form = page.get_by_test_id("preferences")
    assert "Marketing messages" in form.inner_text() and "SMS" in form.inner_text()
    assert page.get_by_label("E-mail").first.is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#id_consent-email-marketing").uncheck()
    page.locator("#id_consent-sms-service").check()
    page.get_by_test_id("save-preferences").click()
    page.wait_for_url(f"**/portal/{brand.slug}/preferences/")
    assert "Your preferences are saved." in page.content()
    assert not page.locator("#id_consent-email-marketing").is_checked()
    assert page.locator("#id_consent-sms-service").is_checked()
    assert _ledger(brand, owner)[1:] == [
        ("email", "marketing", False, "portal"),
        ("sms", "service", True, "portal"),
    ]


def test_one_tap_unsubscribe_in_french_on_a_phone(phone_page, brand, owner):
    token = token_make(Unsubscribe(brand_id=brand.pk, email=owner.email, customer_id=owner.pk, language="fr"))
    page = phone_page
    page.goto(f"/u/{token}")
    assert page.get_by_role("heading").first.inner_text() == "Ne plus recevoir ces e-mails ?"
    assert _ledger(brand, owner) == [("email", "marketing", True, "store")]  # the visit changed nothing
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("unsubscribe-confirm").click()
    assert "Vous êtes désabonné" in page.content()
    assert _ledger(brand, owner) == [
        ("email", "marketing", True, "store"),
        ("email", "marketing", False, "unsubscribe"),
    ]
