"""Mailgun's tracking webhook through django-anymail: real-shaped, signed payloads posted to the URL (no
network). Delivered, opened and complaints recorded once per event; hard bounces and complaints suppress
the address for the sending brand; a bad signature or a foreign recipient writes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from campaigns.delivery.models import DeliveryEvent, Suppression
from campaigns.delivery.selectors import delivery_counts
from jewelcrm.tenancy.context import brand_context
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-mailgun-webhook-test"
ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": []}
URL = "/webhooks/mailgun/tracking/"


def _payload(message, event: str, *, key: str = SIGNING_KEY, token: str | None = None, **data) -> dict:
    token = token or secrets.token_hex(25)
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    event_data = {
        "event": event,
        "id": secrets.token_urlsafe(16),
        "timestamp": time.time(),
        "log-level": "info",
        "recipient": message.to,
        "recipient-domain": message.to.split("@")[1],
        "tags": [message.kind],
        "envelope": {"sender": "bounce@mg.maison.test", "transport": "smtp", "targets": message.to},
        "message": {
            "headers": {
                "to": message.to,
                "message-id": "20261205170903.1.A1B2C3@mg.maison.test",
                "from": "Maison <news@mg.maison.test>",
                "subject": "Our autumn pieces",
            },
            "attachments": [],
            "size": 4521,
        },
        "flags": {
            "is-routed": False,
            "is-authenticated": True,
            "is-system-test": False,
            "is-test-mode": False,
        },
        "user-variables": {"jc_brand": str(message.brand_id), "jc_message": str(message.pk)},
        **data,
    }
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": event_data,
    }


def _post(payload: dict, **headers) -> int:
    return (
        Client(enforce_csrf_checks=True)
        .post(URL, json.dumps(payload), content_type="application/json", **headers)
        .status_code
    )


def _events(brand):
    with brand_context(brand):
        return list(DeliveryEvent.objects.order_by("id").values_list("message_id", "event", "is_permanent"))


def _suppressed(brand):
    with brand_context(brand):
        return list(Suppression.objects.values_list("email", "reason", "source"))


@pytest.fixture
def sent(brand):
    return MessageFactory(brand=brand, to="anna@example.test", kind="portal.sign_in", status="sent")


PERMANENT_BOUNCE = {
    "severity": "permanent",
    "reason": "bounce",
    "delivery-status": {
        "code": 550,
        "message": "5.1.1 The email account that you tried to reach does not exist.",
        "description": "",
        "attempt-no": 1,
        "session-seconds": 0.43,
    },
}


@override_settings(ANYMAIL=ANYMAIL)
def test_reverse_names_the_webhook():
    assert reverse("campaign_delivery:mailgun_tracking") == URL


@override_settings(ANYMAIL=ANYMAIL)
def test_delivered_is_recorded_once_however_often_mailgun_sends_it(brand, sent):
    payload = _payload(
        sent, "delivered", **{"delivery-status": {"code": 250, "message": "OK", "description": ""}}
    )
    assert [_post(payload) for _ in range(3)] == [200, 200, 200]
    assert _events(brand) == [(sent.pk, "delivered", False)]
    assert _suppressed(brand) == []


@override_settings(ANYMAIL=ANYMAIL)
def test_a_hard_bounce_suppresses_the_address_for_the_sending_brand_only(brand, other_brand, sent):
    assert _post(_payload(sent, "failed", **PERMANENT_BOUNCE)) == 200
    assert _events(brand) == [(sent.pk, "bounced", True)]
    assert _suppressed(brand) == [("anna@example.test", "bounce", "Mailgun webhook")]
    with brand_context(brand):
        assert "does not exist" in DeliveryEvent.objects.get().detail
    assert _suppressed(other_brand) == []


@override_settings(ANYMAIL=ANYMAIL)
def test_a_temporary_failure_records_and_suppresses_nothing(brand, sent):
    payload = _payload(sent, "failed", severity="temporary", reason="generic")
    assert _post(payload) == 200
    assert _events(brand) == [] and _suppressed(brand) == []


@override_settings(ANYMAIL=ANYMAIL)
def test_a_complaint_suppresses_the_address(brand, sent):
    assert _post(_payload(sent, "complained")) == 200
    assert _events(brand) == [(sent.pk, "complained", False)]
    assert _suppressed(brand) == [("anna@example.test", "complaint", "Mailgun webhook")]


@override_settings(ANYMAIL=ANYMAIL)
def test_opens_are_recorded(brand, sent):
    payload = _payload(sent, "opened", **{"client-info": {"user-agent": "Mozilla/5.0"}, "geolocation": {}})
    assert _post(payload) == 200
    assert _events(brand) == [(sent.pk, "opened", False)]


@override_settings(ANYMAIL=ANYMAIL)
def test_a_message_found_by_its_message_id_header_without_metadata(brand, sent):
    payload = _payload(sent, "failed", **PERMANENT_BOUNCE)
    payload["event-data"]["user-variables"] = {}
    payload["event-data"]["message"]["headers"]["message-id"] = f"jewelcrm.{brand.pk}.{sent.pk}@jewelcrm.test"
    assert _post(payload) == 200
    assert _events(brand) == [(sent.pk, "bounced", True)]


@override_settings(ANYMAIL=ANYMAIL)
@pytest.mark.parametrize(
    "tamper",
    ["wrong key", "signature changed", "signature missing", "timestamp changed"],
)
def test_a_badly_signed_webhook_is_refused_with_no_write(brand, sent, tamper):
    payload = _payload(
        sent, "failed", key="another-key" if tamper == "wrong key" else SIGNING_KEY, **PERMANENT_BOUNCE
    )
    if tamper == "signature changed":
        signature = payload["signature"]["signature"]
        payload["signature"]["signature"] = signature[:-1] + ("1" if signature.endswith("0") else "0")
    elif tamper == "signature missing":
        del payload["signature"]
    elif tamper == "timestamp changed":
        payload["signature"]["timestamp"] = str(int(payload["signature"]["timestamp"]) + 1)
    assert _post(payload) == 400
    assert _events(brand) == [] and _suppressed(brand) == []


@override_settings(ANYMAIL=ANYMAIL)
def test_an_event_naming_another_recipient_than_the_messages_writes_nothing(brand, sent):
    payload = _payload(sent, "failed", **PERMANENT_BOUNCE)
    payload["event-data"]["recipient"] = "someone.else@example.test"
    assert _post(payload) == 200  # acknowledged, so Mailgun does not retry it for hours
    assert _events(brand) == [] and _suppressed(brand) == []


@override_settings(ANYMAIL=ANYMAIL)
def test_an_event_naming_another_brands_message_touches_only_that_brands_row(brand, other_brand, sent):
    """Metadata naming brand B with A's message id: looked up inside B, where it does not exist."""
    payload = _payload(sent, "complained")
    payload["event-data"]["user-variables"]["jc_brand"] = str(other_brand.pk)
    assert _post(payload) == 200
    assert _events(brand) == [] and _suppressed(brand) == []
    assert _events(other_brand) == [] and _suppressed(other_brand) == []


@override_settings(ANYMAIL=ANYMAIL)
def test_an_event_about_an_unknown_message_is_acknowledged(brand, sent):
    payload = _payload(sent, "delivered")
    payload["event-data"]["user-variables"] = {}
    assert _post(payload) == 200
    assert _events(brand) == []


@override_settings(ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": ""})
def test_without_mailgun_configured_the_webhook_does_not_exist(brand, sent):
    assert _post(_payload(sent, "complained")) == 404
    assert _suppressed(brand) == []


@override_settings(ANYMAIL={**ANYMAIL, "WEBHOOK_SECRET": ["hook:s3cret"]})
def test_with_basic_auth_configured_the_credentials_are_required(brand, sent):
    payload = _payload(sent, "complained")
    assert _post(payload) == 400
    assert _suppressed(brand) == []
    wrong = "Basic " + base64.b64encode(b"hook:wrong").decode()
    assert _post(payload, HTTP_AUTHORIZATION=wrong) == 400
    right = "Basic " + base64.b64encode(b"hook:s3cret").decode()
    assert _post(payload, HTTP_AUTHORIZATION=right) == 200
    assert _suppressed(brand) == [("anna@example.test", "complaint", "Mailgun webhook")]


@override_settings(ANYMAIL=ANYMAIL)
def test_delivery_counts_count_messages_of_a_campaign_not_events(
    brand, other_brand, django_assert_num_queries
):
    messages = [
        MessageFactory(brand=brand, key=f"campaign:7:{n}", to=f"c{n}@example.test", status="sent")
        for n in range(4)
    ]
    other = MessageFactory(brand=brand, key="campaign:8:0", to="z@example.test", status="sent")
    foreign = MessageFactory(brand=other_brand, key="campaign:7:0", to="f@example.test", status="sent")
    for message in messages[:3]:
        assert _post(_payload(message, "delivered")) == 200
    for _ in range(3):  # opened three times: one opened message
        assert _post(_payload(messages[0], "opened")) == 200
    assert _post(_payload(messages[3], "failed", **PERMANENT_BOUNCE)) == 200
    assert _post(_payload(messages[2], "complained")) == 200
    assert _post(_payload(other, "delivered")) == 200
    assert _post(_payload(foreign, "delivered")) == 200
    with brand_context(brand), django_assert_num_queries(2):
        counts = delivery_counts(brand=brand, key_prefix="campaign:7:")
    assert counts == {
        "sent": 4,
        "delivered": 3,
        "bounced": 1,
        "complained": 1,
        "opened": 1,
        "unsubscribed": 0,
    }
    with brand_context(brand):
        by_keys = delivery_counts(brand=brand, message_keys=["campaign:7:0", "campaign:8:0"])
    assert (by_keys["sent"], by_keys["delivered"], by_keys["opened"]) == (2, 2, 1)


# --- The List-Unsubscribe mailto, through Mailgun's inbound route ------------------------------------

INBOUND = "/webhooks/mailgun/inbound/"
MAILBOX = {"ANYMAIL": ANYMAIL, "UNSUBSCRIBE_MAILTO": "unsubscribe@mg.maison.test"}


def _inbound(subject: str, *, key: str = SIGNING_KEY) -> dict:
    token = secrets.token_hex(25)
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    headers = [
        ["From", "Anna <anna@example.test>"],
        ["To", "unsubscribe@mg.maison.test"],
        ["Subject", subject],
        ["Message-Id", "<CAF=abc@mail.example.test>"],
    ]
    return {
        "recipient": "unsubscribe@mg.maison.test",
        "sender": "anna@example.test",
        "from": "Anna <anna@example.test>",
        "subject": subject,
        "body-plain": "",
        "stripped-text": "",
        "message-headers": json.dumps(headers),
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }


@pytest.fixture
def anna(brand):
    from customers.services import consent_record
    from customers.tests.factories import CustomerFactory

    person = CustomerFactory(brand=brand, email="anna@example.test")
    with brand_context(brand):
        consent_record(
            brand=brand, customer=person, channel="email", is_granted=True, is_confirmed=True, source="store"
        )
    return person


def _consent(brand, person):
    from customers.selectors import consent_is_active

    with brand_context(brand):
        return consent_is_active(brand=brand, customer=person, channel="email")


@override_settings(**MAILBOX)
def test_an_email_to_the_unsubscribe_mailbox_unsubscribes(brand, anna):
    from campaigns.delivery.tokens import Unsubscribe, token_make

    token = token_make(Unsubscribe(brand_id=brand.pk, email=anna.email, customer_id=anna.pk))
    response = Client(enforce_csrf_checks=True).post(INBOUND, _inbound(f"unsubscribe-{token}"))
    assert response.status_code == 200
    assert _consent(brand, anna) is False
    assert _suppressed(brand) == [("anna@example.test", "unsubscribe", "unsubscribe link")]


@override_settings(**MAILBOX)
@pytest.mark.parametrize("subject", ["Please stop", "unsubscribe-not.a.token", ""])
def test_an_email_without_a_valid_token_changes_nothing(brand, anna, subject):
    assert Client().post(INBOUND, _inbound(subject)).status_code == 200
    assert _consent(brand, anna) is True and _suppressed(brand) == []


@override_settings(**MAILBOX)
def test_a_badly_signed_inbound_post_is_refused(brand, anna):
    from campaigns.delivery.tokens import Unsubscribe, token_make

    token = token_make(Unsubscribe(brand_id=brand.pk, email=anna.email, customer_id=anna.pk))
    assert Client().post(INBOUND, _inbound(f"unsubscribe-{token}", key="wrong")).status_code == 400
    assert _consent(brand, anna) is True and _suppressed(brand) == []


@override_settings(ANYMAIL=ANYMAIL, UNSUBSCRIBE_MAILTO="")
def test_without_a_mailbox_the_inbound_route_does_not_exist(brand, anna):
    assert Client().post(INBOUND, _inbound("unsubscribe-x")).status_code == 404
