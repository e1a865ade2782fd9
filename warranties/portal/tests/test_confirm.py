"""C1: the double opt-in link lands on the portal; GET never confirms, POST does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import Consent
from customers.services import consent_confirmation_token, consent_record
from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _url(brand, token):
    return reverse("portal:confirm", kwargs={"brand_slug": brand.slug, "token": token})


@pytest.fixture
def customer(brand):
    customer = CustomerFactory(brand=brand)
    with brand_context(brand):
        consent_record(brand=brand, customer=customer, channel="email", is_granted=True, source="store")
    return customer


def _state(brand, customer):
    with brand_context(brand):
        customer.refresh_from_db()
        return customer.email_confirmed_at, Consent.objects.filter(customer=customer).count()


def test_get_shows_a_button_and_confirms_nothing(client, brand, customer):
    response = client.get(_url(brand, consent_confirmation_token(customer=customer)))
    assert response.status_code == 200
    assert b'data-testid="confirm"' in response.content
    assert _state(brand, customer) == (None, 1)


def test_post_confirms_and_links_to_the_portal(client, brand, customer):
    response = client.post(
        _url(brand, consent_confirmation_token(customer=customer)), REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 200
    assert reverse("portal:sign_in", kwargs={"brand_slug": brand.slug}).encode() in response.content
    confirmed_at, count = _state(brand, customer)
    assert confirmed_at is not None and count == 2
    with brand_context(brand):
        latest = Consent.objects.filter(customer=customer).latest("id")
    assert (latest.is_confirmed, latest.source, latest.ip) == (True, "double_opt_in", "203.0.113.7")


@pytest.mark.parametrize("token", ["garbage", "eyJiIjoxfQ:bad:sig"])
def test_invalid_token_changes_nothing(client, brand, customer, token):
    response = client.post(_url(brand, token))
    assert response.status_code == 400
    assert b"invalid or has expired" in response.content
    assert _state(brand, customer) == (None, 1)


def test_token_of_another_brand_changes_nothing(client, brand, other_brand, customer):
    response = client.post(_url(other_brand, consent_confirmation_token(customer=customer)))
    assert response.status_code == 400
    assert _state(brand, customer) == (None, 1)


def test_unknown_brand_is_404(client, customer):
    assert client.get(_url(type("B", (), {"slug": "nope"}), "x")).status_code == 404
