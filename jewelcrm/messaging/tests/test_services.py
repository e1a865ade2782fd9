"""The send log's services: recorded with the business transaction, sent once, retried on transient
failures, parked and shown on permanent ones (CEL-07, CEL-08), brand-scoped."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jewelcrm.messaging import services
from jewelcrm.messaging.models import Message, MessageStatus
from jewelcrm.messaging.services import message_deliver, message_relay, message_send
from jewelcrm.tenancy.context import brand_context
from tests.factories import MessageFactory

CONTEXT = {
    "template": "sign_in",
    "context": {"brand_name": "Maison", "url": "https://x.test/l", "minutes": 10},
}


def _send(brand, key="sign-in:1", to="owner@example.test"):
    return message_send(brand=brand, key=key, kind="portal.sign_in", to=to, context=CONTEXT, language="fr")


@pytest.fixture
def enqueued(monkeypatch):
    """The delivery tasks handed to the broker, instead of running them."""
    from jewelcrm.messaging.tasks import deliver_message_task

    calls: list[tuple] = []
    monkeypatch.setattr(deliver_message_task, "apply_async", lambda args, **kw: calls.append(tuple(args)))
    return calls


# --- CEL-07: enqueued after commit, never from a rolled-back transaction -----------------------------


def test_a_send_in_a_rolled_back_transaction_enqueues_nothing_and_leaves_no_row(
    transactional_db, brand, enqueued
):
    with pytest.raises(RuntimeError), brand_context(brand):
        _send(brand)
        raise RuntimeError("the business transaction fails")
    assert enqueued == []
    with brand_context(brand):
        assert Message.objects.count() == 0


def test_a_committed_send_enqueues_one_delivery_after_the_commit(transactional_db, brand, enqueued):
    with brand_context(brand):
        message = _send(brand)
        assert enqueued == []  # not before the commit
    assert enqueued == [(brand.pk, message.pk)]


def _enclosing(lines: list[str], number: int) -> str:
    """The name of the function around line `number` (1-based)."""
    for before in reversed(lines[: number - 1]):
        stripped = before.strip()
        if stripped.startswith("def "):
            return stripped[4:].split("(")[0]
    return "-"


def test_no_bare_delay_in_request_code():
    """Tasks are handed to the broker only after commit, through the send log or an on_commit callback:
    outside task modules, every `.delay(` sits in a `transaction.on_commit(...)` on the same line or in a
    function handed to `transaction.on_commit` (directly or through `functools.partial`)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    offenders = []
    for top in ("jewelcrm", "customers", "warranties", "segmentation", "campaigns"):
        for path in (root / top).rglob("*.py"):
            if "tests" in path.parts or path.name == "tasks.py":
                continue
            text = path.read_text()
            lines = text.splitlines()
            for number, line in enumerate(lines, 1):
                if ".delay(" not in line or "on_commit(" in line:
                    continue
                enclosing = _enclosing(lines, number)
                wrappers = ("", "functools.partial(", "partial(")
                if any(f"on_commit({wrapper}{enclosing}" in text for wrapper in wrappers):
                    continue
                offenders.append(f"{path.relative_to(root)}:{number}")
    assert offenders == []


# --- Once per key -----------------------------------------------------------------------------------


def test_the_same_key_three_times_records_one_message_and_sends_one_email(
    brand, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        ids = {_send(brand).pk for _ in range(3)}
    assert len(ids) == 1
    assert len(mail.outbox) == 1
    with brand_context(brand):
        message = Message.objects.get()
        assert (message.status, message.attempts, message.subject) == ("sent", 1, mail.outbox[0].subject)
        # A sign-in link is a secret: the log keeps that it was sent, not the link.
        assert message.context == {}
        # A retry finds it sent: nothing leaves twice.
        assert message_deliver(brand_id=brand.pk, message_id=message.pk) == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.test"]
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<jewelcrm.{brand.pk}.{message.pk}@127.0.0.1>"


def test_the_message_is_rendered_in_its_language(brand, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        _send(brand)
    assert "connexion" in mail.outbox[0].subject.lower() or "lien" in mail.outbox[0].subject.lower()


def test_no_address_records_nothing(brand):
    with brand_context(brand):
        assert _send(brand, to="  ") is None
        assert Message.objects.count() == 0


# --- CEL-08: the mail server failing, then recovering; a permanent failure parked and shown ---------


class FailingBackend:
    """Raises the errors Django's SMTP backend raises: the listed ones first, then transient ones in turn
    while the simulated clock is before `down_until`; then it delivers."""

    errors: list[BaseException] = []
    down_until = None
    clock = None
    TRANSIENT = [
        smtplib.SMTPConnectError(421, b"Service not available"),
        ConnectionRefusedError(111, "Connection refused"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPResponseException(421, b"4.3.2 Try again later"),
        smtplib.SMTPRecipientsRefused({"o0@example.test": (450, b"4.2.0 Mailbox busy")}),
    ]
    failures = 0

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        if FailingBackend.errors:
            raise FailingBackend.errors.pop(0)
        if FailingBackend.down_until is not None and FailingBackend.clock < FailingBackend.down_until:
            FailingBackend.failures += 1
            raise FailingBackend.TRANSIENT[FailingBackend.failures % len(FailingBackend.TRANSIENT)]
        mail.outbox.extend(messages)
        return len(messages)


@override_settings(EMAIL_BACKEND="jewelcrm.messaging.tests.test_services.FailingBackend")
def test_a_mail_server_down_for_five_minutes_delivers_everything_once_when_it_recovers(brand):
    """The server is down for five minutes (refused connections, 421 answers, dropped connections); each
    message waits its backoff (1, 2, 4 minutes), the relay (every minute) enqueues it when due, and it
    leaves once, at the first attempt after the server recovered."""
    start = timezone.now()
    FailingBackend.clock, FailingBackend.down_until = start, start + timedelta(minutes=5)
    with brand_context(brand):
        messages = [_send(brand, key=f"k{i}", to=f"o{i}@example.test") for i in range(3)]
    minute = 0
    with (
        brand_context(brand),
        mock.patch("django.utils.timezone.now", lambda: FailingBackend.clock),
        mock.patch.object(services, "message_enqueue") as enqueue,
    ):
        enqueue.side_effect = lambda brand_id, message_id: message_deliver(
            brand_id=brand.pk, message_id=message_id
        )
        for message in messages:
            message_deliver(brand_id=brand.pk, message_id=message.pk)
        while Message.objects.filter(status=MessageStatus.PENDING).exists() and minute < 60:
            minute += 1
            FailingBackend.clock = start + timedelta(minutes=minute)
            message_relay(brand=brand, now=FailingBackend.clock)
        rows = list(Message.objects.order_by("to").values_list("to", "status", "attempts"))
        sent_at = set(Message.objects.values_list("sent_at", flat=True))
    FailingBackend.down_until = None
    assert FailingBackend.failures == 9  # three failed attempts each: minutes 0, 1 and 3
    assert rows == [(f"o{i}@example.test", "sent", 4) for i in range(3)]
    assert sent_at == {start + timedelta(minutes=7)}
    assert sorted(m.to[0] for m in mail.outbox) == ["o0@example.test", "o1@example.test", "o2@example.test"]


@override_settings(EMAIL_BACKEND="jewelcrm.messaging.tests.test_services.FailingBackend")
def test_a_permanent_refusal_is_parked_and_shown_and_can_be_sent_again(brand, owner_client):
    with brand_context(brand):
        message = _send(brand, to="nobody@example.test")
    FailingBackend.errors = [
        smtplib.SMTPRecipientsRefused({"nobody@example.test": (550, b"5.1.1 No such user")})
    ]
    with brand_context(brand):
        assert message_deliver(brand_id=brand.pk, message_id=message.pk) == "failed"
        assert message_relay(brand=brand, now=timezone.now() + timedelta(days=1)) == 0  # parked, not retried
    page = owner_client.get(
        reverse("accounts:sent_emails", kwargs={"brand_slug": brand.slug}) + "?status=failed"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "nobody@example.test" in html and "Not delivered" in html and "No such user" in html
    retry = reverse("accounts:sent_email_retry", kwargs={"brand_slug": brand.slug, "pk": message.pk})
    with mock.patch.object(services, "message_enqueue"):
        response = owner_client.post(retry)
    assert response.status_code == 302
    with brand_context(brand):
        message.refresh_from_db()
        assert (message.status, message.attempts) == ("pending", 0)
        assert message_deliver(brand_id=brand.pk, message_id=message.pk) == "sent"
    assert len(mail.outbox) == 1


def test_transient_failures_are_parked_after_the_last_attempt(brand):
    with brand_context(brand):
        message = _send(brand)
        Message.objects.filter(pk=message.pk).update(attempts=services.MAX_ATTEMPTS - 1)
        with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError()):
            assert message_deliver(brand_id=brand.pk, message_id=message.pk) == "failed"


def test_the_sent_emails_page_in_french_with_an_empty_state(brand, owner_client):
    url = reverse("accounts:sent_emails", kwargs={"brand_slug": brand.slug})
    response = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "E-mails envoyés" in response.content.decode()


@pytest.mark.parametrize("role", ["marketer", "analyst", "sales_associate"])
def test_the_sent_emails_page_is_for_owners_and_admins(brand, client_for, role):
    url = reverse("accounts:sent_emails", kwargs={"brand_slug": brand.slug})
    assert client_for(brand, role).get(url).status_code == 403


# --- Brands apart -----------------------------------------------------------------------------------


def test_another_brands_messages_are_invisible_and_cannot_be_retried(brand, other_brand, owner_client):
    theirs = MessageFactory(brand=other_brand, to="secret@other.test", status="failed")
    MessageFactory(brand=brand, to="mine@example.test")
    page = owner_client.get(reverse("accounts:sent_emails", kwargs={"brand_slug": brand.slug}))
    assert "mine@example.test" in page.content.decode() and "secret@other.test" not in page.content.decode()
    retry = reverse("accounts:sent_email_retry", kwargs={"brand_slug": brand.slug, "pk": theirs.pk})
    assert owner_client.post(retry).status_code == 404
    with brand_context(other_brand):
        assert Message.objects.get(pk=theirs.pk).status == "failed"
    with brand_context(brand):
        assert message_deliver(brand_id=brand.pk, message_id=theirs.pk) == "missing"


def test_the_same_key_in_two_brands_is_two_messages(brand, other_brand):
    with brand_context(brand):
        first = _send(brand)
    with brand_context(other_brand):
        second = _send(other_brand)
    assert first.pk != second.pk


def test_erasing_a_recipient_forgets_the_address(brand):
    MessageFactory(brand=brand, to="gone@example.test")
    with brand_context(brand):
        assert services.message_erase_recipient(brand=brand, email="GONE@example.test") == 1
        assert not Message.objects.filter(to__icontains="gone").exists()


def test_the_relay_is_scheduled_every_minute_with_an_expiry():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["messaging-relay"]
    assert entry["task"] == "jewelcrm.messaging.tasks.relay_messages_all_task"
    assert entry["options"]["expires"] == 50


# --- A sender that died mid-send (ADR 0040) ---------------------------------------------------------


def _left_sending(brand):
    """A message whose sender committed its claim, then died before marking it sent."""
    with brand_context(brand):
        message = _send(brand)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENDING, attempts=1, next_attempt_at=timezone.now()
        )
    return message


def test_a_message_left_sending_is_parked_as_uncertain_shown_and_can_be_sent_again(brand, owner_client):
    message = _left_sending(brand)
    with brand_context(brand):
        assert message_deliver(brand_id=brand.pk, message_id=message.pk) == "uncertain"
        assert message_relay(brand=brand, now=timezone.now() + timedelta(days=1)) == 0  # parked
    assert mail.outbox == []  # never a second copy on a guess
    page = owner_client.get(
        reverse("accounts:sent_emails", kwargs={"brand_slug": brand.slug}) + "?status=uncertain"
    )
    html = page.content.decode()
    assert "Delivery uncertain" in html and "may or may not have arrived" in html and "Send again" in html
    retry = reverse("accounts:sent_email_retry", kwargs={"brand_slug": brand.slug, "pk": message.pk})
    with mock.patch.object(services, "message_enqueue"):
        assert owner_client.post(retry).status_code == 302
    with brand_context(brand):
        assert message_deliver(brand_id=brand.pk, message_id=message.pk) == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "answer,status,copies", [(True, "sent", 0), (False, "sent", 1), (None, "uncertain", 0)]
)
def test_the_provider_is_asked_about_a_message_left_sending(brand, settings, answer, status, copies):
    asked = []
    settings.MESSAGING_DELIVERY_CHECK = "jewelcrm.messaging.tests.test_services.provider_check"
    provider_check.answer, provider_check.asked = answer, asked
    message = _left_sending(brand)
    with brand_context(brand):
        assert message_deliver(brand_id=brand.pk, message_id=message.pk) == status
        row = Message.objects.get(pk=message.pk)
    assert asked == [f"<jewelcrm.{brand.pk}.{message.pk}@127.0.0.1>"]
    assert len(mail.outbox) == copies
    assert row.attempts == 1 + copies
    if status == "sent":
        assert row.context == {}  # a sign-in link: not kept once sent


def provider_check(message, message_id):
    provider_check.asked.append(message_id)
    return provider_check.answer


def test_the_relay_enqueues_a_message_left_sending_once_due(brand):
    message = _left_sending(brand)
    enqueued = []
    with brand_context(brand):
        assert (
            services.delivery.message_relay(
                brand=brand,
                enqueue=lambda **kw: enqueued.append(kw),
                now=timezone.now() + timedelta(seconds=1),
            )
            == 1
        )
    assert enqueued == [{"brand_id": brand.pk, "message_id": message.pk}]
