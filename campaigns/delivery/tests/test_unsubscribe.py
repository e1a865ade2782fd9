"""RFC 8058 one-click unsubscribe (WEB-09): a cookie-less POST unsubscribes, a GET does not; idempotent;
tampered and foreign tokens change nothing."""

from __future__ import annotations

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from campaigns.delivery.models import DeliveryEvent, Suppression
from campaigns.delivery.tokens import SALT, Unsubscribe, token_make
from customers.models import Consent
from customers.selectors import consent_is_active
from jewelcrm.messaging.services import message_deliver, message_send
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def _url(token: str) -> str:
    return reverse("campaign_delivery:unsubscribe", kwargs={"token": token})


def _token(brand, customer, **extra) -> str:
    return token_make(
        Unsubscribe(brand_id=brand.pk, email=customer.email, customer_id=customer.pk, language="fr", **extra)
    )


def _ledger(brand, customer):
    with brand_context(brand):
        return list(
            Consent.objects.filter(customer=customer, channel="email")
            .order_by("at", "id")
            .values_list("is_granted", "source")
        )


def _suppressed(brand):
    with brand_context(brand):
        return list(Suppression.objects.values_list("email", "reason", "source"))


def test_get_shows_a_button_in_the_recipients_language_and_changes_nothing(brand, customer):
    response = Client().get(_url(_token(brand, customer)))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fr"' in html or "Se désabonner" in html
    assert "Se désabonner" in html and 'name="List-Unsubscribe" value="One-Click"' in html
    assert brand.name in html
    assert _ledger(brand, customer) == [(True, "store")]
    assert _suppressed(brand) == []
    assert "no-store" in response["Cache-Control"]


def test_a_cookie_less_one_click_post_withdraws_the_consent_and_suppresses_the_address(brand, customer):
    client = Client(enforce_csrf_checks=True)  # a mail client: no cookie, no CSRF token
    response = client.post(_url(_token(brand, customer)), ONE_CLICK)
    assert response.status_code == 200
    assert "Vous êtes désabonné" in response.content.decode()
    assert _ledger(brand, customer) == [(True, "store"), (False, "unsubscribe")]
    assert _suppressed(brand) == [("anna@example.test", "unsubscribe", "unsubscribe link")]
    with brand_context(brand):
        assert consent_is_active(brand=brand, customer=customer, channel="email") is False


def test_unsubscribing_twice_changes_nothing_more(brand, customer):
    token = _token(brand, customer)
    for _ in range(3):
        assert Client().post(_url(token), ONE_CLICK).status_code == 200
    assert _ledger(brand, customer) == [(True, "store"), (False, "unsubscribe")]
    assert len(_suppressed(brand)) == 1


def test_a_post_without_the_one_click_body_changes_nothing(brand, customer):
    response = Client().post(_url(_token(brand, customer)), {"List-Unsubscribe": "yes"})
    assert response.status_code == 400
    assert _ledger(brand, customer) == [(True, "store")]
    assert _suppressed(brand) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_a_clear_400_page_and_changes_nothing(brand, customer, method):
    token = _token(brand, customer)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = getattr(Client(), method)(_url(tampered), ONE_CLICK if method == "post" else None)
    assert response.status_code == 400
    assert "This unsubscribe link is damaged or incomplete. Nothing was changed." in response.content.decode()
    assert _ledger(brand, customer) == [(True, "store")]
    assert _suppressed(brand) == []


def test_a_token_signed_for_something_else_is_refused(brand, customer):
    other_salt = signing.dumps(
        {"b": brand.pk, "e": customer.email, "c": customer.pk}, salt="customers.consent-confirmation"
    )
    assert Client().post(_url(other_salt), ONE_CLICK).status_code == 400
    assert _ledger(brand, customer) == [(True, "store")]
    assert SALT != "customers.consent-confirmation"


def test_a_foreign_brands_token_cannot_touch_another_brand(brand, other_brand, customer):
    """A token of brand B naming brand A's customer id and address: it acts inside B only, where that
    customer does not exist; A's ledger and suppression list are unchanged."""
    from customers.tests.factories import CustomerFactory

    stranger = CustomerFactory(brand=other_brand, email="bob@example.test")
    foreign = token_make(Unsubscribe(brand_id=other_brand.pk, email=customer.email, customer_id=customer.pk))
    assert Client().post(_url(foreign), ONE_CLICK).status_code == 200
    assert _ledger(brand, customer) == [(True, "store")]
    assert _suppressed(brand) == []
    # Only brand B suppressed the address it was given (its own list); B's own customer untouched.
    assert _suppressed(other_brand) == [("anna@example.test", "unsubscribe", "unsubscribe link")]
    assert _ledger(other_brand, stranger) == []


def test_the_link_of_a_sent_marketing_email_unsubscribes_and_is_counted(brand, customer, newsletter_kind):
    from campaigns.delivery.selectors import delivery_counts

    with brand_context(brand):
        message = message_send(
            brand=brand,
            key="news:1",
            kind=newsletter_kind,
            to=customer.email,
            context={"customer_id": customer.pk},
            language="fr",
        )
        message_deliver(brand_id=brand.pk, message_id=message.pk)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"][1:].split(">", 1)[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert Client().post("/" + path, ONE_CLICK).status_code == 200
    assert Client().post("/" + path, ONE_CLICK).status_code == 200
    with brand_context(brand):
        assert DeliveryEvent.objects.filter(message_id=message.pk, event="unsubscribed").count() == 1
        counts = delivery_counts(brand=brand, key_prefix="news:")
    assert counts["sent"] == 1 and counts["unsubscribed"] == 1
    # The next marketing e-mail to the address is not sent.
    with brand_context(brand):
        second = message_send(
            brand=brand, key="news:2", kind=newsletter_kind, to=customer.email, language="fr"
        )
        assert message_deliver(brand_id=brand.pk, message_id=second.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_token_of_an_inactive_brand_is_refused(brand, customer):
    token = _token(brand, customer)
    brand.is_active = False
    brand.save(update_fields=["is_active"])
    assert Client().post(_url(token), ONE_CLICK).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_withdraw_once(brand, customer):
    """Five one-click POSTs at the same moment (a mail client retrying, a double tap): one withdrawal in
    the ledger, one suppression row."""
    import threading

    from django.db import connection

    token = _token(brand, customer)
    barrier = threading.Barrier(5)
    statuses: list[int] = []

    def click() -> None:
        try:
            barrier.wait()
            statuses.append(Client().post(_url(token), ONE_CLICK).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [200] * 5
    assert _ledger(brand, customer) == [(True, "store"), (False, "unsubscribe")]
    assert len(_suppressed(brand)) == 1
