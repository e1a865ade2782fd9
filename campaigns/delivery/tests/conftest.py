"""A marketing kind of e-mail for the tests (the engine registers the real ones)."""

from __future__ import annotations

from typing import Any

import pytest

from jewelcrm.messaging import registry

NEWSLETTER = "test.newsletter"


def render_newsletter(message: Any) -> registry.Email | None:
    from django.utils.translation import gettext

    from jewelcrm.accounts.selectors import brand_get
    from jewelcrm.mail import email_html

    brand = brand_get(brand_id=message.brand_id)
    text = message.context.get("text") or gettext("Sign in")  # a string of the shell's catalogue
    return registry.Email(subject="Our autumn pieces", text=text, html=email_html(brand=brand, text=text))


@pytest.fixture
def newsletter_kind(monkeypatch: Any) -> str:
    monkeypatch.setitem(
        registry._KINDS,
        NEWSLETTER,
        registry.Kind(name=NEWSLETTER, label="Newsletter", render=render_newsletter, is_marketing=True),
    )
    return NEWSLETTER


@pytest.fixture
def customer(brand: Any) -> Any:
    """A customer of the brand with a confirmed marketing e-mail consent."""
    from customers.services import consent_record
    from customers.tests.factories import CustomerFactory
    from jewelcrm.tenancy.context import brand_context

    person = CustomerFactory(brand=brand, email="anna@example.test", language="fr")
    with brand_context(brand):
        consent_record(
            brand=brand, customer=person, channel="email", is_granted=True, is_confirmed=True, source="store"
        )
    return person
