"""Passwordless sign-in: single use, 10 minutes, button to consume, same answer known or not, rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from warranties.portal.models import LoginLink
from warranties.portal.session import SESSION_KEY
from warranties.portal.tests.factories import owned_item

pytestmark = pytest.mark.django_db(transaction=False)


def _sign_in_url(brand):
    return reverse("portal:sign_in", kwargs={"brand_slug": brand.slug})


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/portal/\S+/link/\S+/)", message.body).group(1)


@pytest.fixture
def customer(brand):
    return CustomerFactory(brand=brand, email="anna@example.test", language="en")


def _links(brand):
    with brand_context(brand):
        return list(LoginLink.objects.all())


def test_known_email_gets_a_link_and_the_same_answer_as_unknown(
    client, brand, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(_sign_in_url(brand), {"email": "  Anna@Example.test "})
        unknown = client.post(_sign_in_url(brand), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert (
        known["Location"]
        == unknown["Location"]
        == reverse("portal:link_sent", kwargs={"brand_slug": brand.slug})
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.test"]
    links = _links(brand)
    assert len(links) == 1
    token = _link_path(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert token not in links[0].token_hash and len(links[0].token_hash) == 64
    assert links[0].expires_at - links[0].created_at == timedelta(minutes=10)


def test_get_shows_a_button_and_post_signs_in_once_to_a_clean_url(
    client, brand, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_sign_in_url(brand), {"email": customer.email})
    path = _link_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200 and b'data-testid="use-link"' in page.content
    assert client.session.get(SESSION_KEY) is None
    assert _links(brand)[0].used_at is None  # a mail scanner's GET consumes nothing
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:pieces", kwargs={"brand_slug": brand.slug})
    assert client.session[SESSION_KEY] == {str(brand.pk): customer.pk}
    # Used: the second use is refused with a clear message.
    other = client.__class__()
    again = other.post(path)
    assert again.status_code == 400 and b"already been used" in again.content
    assert other.session.get(SESSION_KEY) is None


def test_expired_link_is_refused(client, brand, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_sign_in_url(brand), {"email": customer.email})
    with brand_context(brand):
        LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    path = _link_path(mail.outbox[0])
    assert client.get(path).status_code == 400
    response = client.post(path)
    assert response.status_code == 400 and b"expired" in response.content
    assert client.session.get(SESSION_KEY) is None
    assert _links(brand)[0].used_at is None


def test_link_of_one_brand_does_not_work_on_another(
    client, brand, other_brand, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_sign_in_url(brand), {"email": customer.email})
    path = _link_path(mail.outbox[0]).replace(f"/portal/{brand.slug}/", f"/portal/{other_brand.slug}/")
    assert client.post(path).status_code == 400
    assert client.session.get(SESSION_KEY) is None


@override_settings(PORTAL_SIGN_IN_EMAIL_RATE="3/h", PORTAL_SIGN_IN_IP_RATE="100/h")
def test_rate_limited_per_email(client, brand, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        codes = [
            client.post(_sign_in_url(brand), {"email": customer.email}, REMOTE_ADDR=f"10.0.0.{i}").status_code
            for i in range(5)
        ]
    assert codes == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3


@override_settings(PORTAL_SIGN_IN_EMAIL_RATE="100/h", PORTAL_SIGN_IN_IP_RATE="2/h")
def test_rate_limited_per_ip_and_brand(client, brand, other_brand, customer):
    codes = [client.post(_sign_in_url(brand), {"email": f"x{i}@example.test"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    # The key includes the brand: another brand's portal has its own counter.
    assert client.post(_sign_in_url(other_brand), {"email": "y@example.test"}).status_code == 302


def test_owner_pages_need_the_portal_session(client, brand, customer):
    response = client.get(reverse("portal:pieces", kwargs={"brand_slug": brand.slug}))
    assert response.status_code == 302 and response["Location"] == _sign_in_url(brand)


def test_session_of_brand_a_does_not_open_brand_b(client, brand, other_brand, customer):
    owned_item(brand=brand, customer=customer)
    session = client.session
    session[SESSION_KEY] = {str(brand.pk): customer.pk}
    session.save()
    assert client.get(reverse("portal:pieces", kwargs={"brand_slug": brand.slug})).status_code == 200
    response = client.get(reverse("portal:pieces", kwargs={"brand_slug": other_brand.slug}))
    assert response.status_code == 302


def test_brand_colour_stylesheet(client, brand):
    brand.primary_colour = "#AA3355"
    brand.save()
    response = client.get(reverse("portal:brand_css", kwargs={"brand_slug": brand.slug}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert b"--accent: #AA3355" in response.content
    assert client.get(reverse("portal:brand_css", kwargs={"brand_slug": "nope"})).status_code == 404


def test_sign_in_page_in_french(client, brand):
    response = client.get(_sign_in_url(brand), HTTP_ACCEPT_LANGUAGE="fr")
    text = response.content.decode()
    assert "Accéder à votre espace propriétaire" in text and "M’envoyer un lien de connexion" in text
