"""Marketing e-mails through the send log (WEB-09): RFC 8058 headers and the footer's unsubscribe link on
every marketing e-mail and on no transactional one; a suppressed address is skipped at send time with the
reason; the provider's metadata and message id kept on the row."""

from __future__ import annotations

import json
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import resolve

from campaigns.delivery.tests.factories import SuppressionFactory
from campaigns.delivery.tokens import token_read
from jewelcrm.messaging import registry
from jewelcrm.messaging.services import message_deliver, message_send
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _send_and_deliver(brand, *, kind, to="anna@example.test", context=None, language="fr", key="k:1"):
    with brand_context(brand):
        message = message_send(
            brand=brand, key=key, kind=kind, to=to, context=context or {}, language=language
        )
        status = message_deliver(brand_id=brand.pk, message_id=message.pk)
        message.refresh_from_db()
    return message, status


def test_a_marketing_email_carries_the_one_click_headers_and_the_footer_link(
    brand, customer, newsletter_kind
):
    message, status = _send_and_deliver(brand, kind=newsletter_kind, context={"customer_id": customer.pk})
    assert status == "sent"
    [email] = mail.outbox
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = email.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://") or header.startswith("<https://")
    url = header[1:].split(">", 1)[0]
    match = resolve(urlparse(url).path)
    assert match.view_name == "campaign_delivery:unsubscribe"
    unsubscribe = token_read(match.kwargs["token"])
    assert (unsubscribe.brand_id, unsubscribe.customer_id, unsubscribe.email) == (
        brand.pk,
        customer.pk,
        "anna@example.test",
    )
    assert (unsubscribe.channel, unsubscribe.purpose, unsubscribe.message_id) == (
        "email",
        "marketing",
        message.pk,
    )
    # The footer of the one layout holds the link, in the recipient's language; the text part too.
    html = email.alternatives[0][0]
    footer = html.split('data-testid="email-footer"', 1)[1]
    assert f'href="{url}"' in footer and "Se désabonner de ces e-mails" in footer
    assert "<!--jewelcrm:unsubscribe-->" not in html
    assert url in email.body and "Se désabonner de ces e-mails" in email.body
    assert f"<jewelcrm.{brand.pk}.{message.pk}@" in email.extra_headers["Message-ID"]


@override_settings(UNSUBSCRIBE_MAILTO="unsubscribe@mail.maison.test")
def test_the_mailto_is_added_when_a_mailbox_is_configured(brand, newsletter_kind):
    _send_and_deliver(brand, kind=newsletter_kind)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    https, mailto = header.split(", ")
    token = https[1:-1].rsplit("/u/", 1)[1]
    assert mailto == f"<mailto:unsubscribe@mail.maison.test?subject=unsubscribe-{token}>"


def test_without_a_mailbox_there_is_no_mailto(brand, newsletter_kind):
    _send_and_deliver(brand, kind=newsletter_kind)
    assert "mailto:" not in mail.outbox[0].extra_headers["List-Unsubscribe"]


def test_transactional_emails_get_no_unsubscribe_header_nor_link(brand):
    context = {
        "template": "sign_in",
        "context": {"brand_name": "Maison", "url": "https://x.test/l", "minutes": 10},
    }
    _message, status = _send_and_deliver(brand, kind="portal.sign_in", context=context)
    assert status == "sent"
    [email] = mail.outbox
    assert "List-Unsubscribe" not in email.extra_headers
    assert "List-Unsubscribe-Post" not in email.extra_headers
    assert "/u/" not in email.body and all("/u/" not in html for html, _type in email.alternatives)


def test_a_transactional_email_to_a_suppressed_address_still_leaves(brand):
    SuppressionFactory(brand=brand, email="anna@example.test")
    context = {
        "template": "sign_in",
        "context": {"brand_name": "Maison", "url": "https://x.test/l", "minutes": 10},
    }
    _message, status = _send_and_deliver(brand, kind="portal.sign_in", context=context)
    assert status == "sent" and len(mail.outbox) == 1


def test_a_marketing_email_to_a_suppressed_address_is_skipped_with_the_reason(brand, newsletter_kind):
    SuppressionFactory(brand=brand, email="anna@example.test", reason="complaint")
    message, status = _send_and_deliver(brand, kind=newsletter_kind, to="Anna@Example.test")
    assert status == "skipped"
    assert mail.outbox == []
    assert message.last_error == "Not sent: the address is on the suppression list (Marked as spam)."
    assert message.sent_at is None


def test_another_brands_suppression_does_not_stop_the_email(brand, other_brand, newsletter_kind):
    SuppressionFactory(brand=other_brand, email="anna@example.test")
    _message, status = _send_and_deliver(brand, kind=newsletter_kind)
    assert status == "sent"


def test_without_a_marketing_policy_a_marketing_email_is_parked_not_sent(brand, newsletter_kind, monkeypatch):
    monkeypatch.setattr(registry, "_POLICY", [])
    message, status = _send_and_deliver(brand, kind=newsletter_kind)
    assert status == "failed"
    assert mail.outbox == []
    assert "No marketing policy" in message.last_error


def test_the_policy_is_installed_at_start():
    from campaigns.delivery.policy import SuppressionPolicy

    assert isinstance(registry.marketing_policy(), SuppressionPolicy)


@override_settings(
    EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend",
    ANYMAIL={"MAILGUN_API_KEY": "key-test", "MAILGUN_SENDER_DOMAIN": "mg.maison.test"},
)
def test_through_mailgun_the_row_keeps_the_providers_id_and_the_metadata_names_brand_and_row(
    brand, customer, newsletter_kind
):
    """Mailgun's HTTP API faked at the requests client: what anymail posts, and what it answers."""
    answer = mock.Mock(status_code=200, text="")
    answer.json.return_value = {"id": "<20261205.1.ABC@mg.maison.test>", "message": "Queued. Thank you."}
    with mock.patch("requests.Session.request", return_value=answer) as request:
        message, status = _send_and_deliver(brand, kind=newsletter_kind, context={"customer_id": customer.pk})
    assert status == "sent"
    assert message.provider_id == "<20261205.1.ABC@mg.maison.test>"
    sent = request.call_args.kwargs
    assert sent["url"] == "https://api.mailgun.net/v3/mg.maison.test/messages"
    data = dict(sent["data"]) if not isinstance(sent["data"], list) else dict(sent["data"])
    assert data["v:jc_brand"] == str(brand.pk) and data["v:jc_message"] == str(message.pk)
    assert data["h:List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert data["h:List-Unsubscribe"].startswith("<http")
    assert json.dumps(data)  # plain values only


def test_the_outgoing_emails_page_shows_why_a_marketing_email_was_not_sent(
    brand, owner_client, newsletter_kind
):
    from django.urls import reverse

    SuppressionFactory(brand=brand, email="anna@example.test", reason="bounce")
    _send_and_deliver(brand, kind=newsletter_kind)
    page = owner_client.get(
        reverse("accounts:sent_emails", kwargs={"brand_slug": brand.slug}) + "?status=skipped"
    )
    html = page.content.decode()
    assert "Nothing to send" in html and "Newsletter" in html
    assert "the address is on the suppression list (Hard bounce)" in html
