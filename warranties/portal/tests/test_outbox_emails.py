"""Issue 10 items 5/6: the owner-approval, transfer-notice and loss e-mails are recorded in the send log
inside the business transaction (the outbox). A broker that loses every task after the commit loses no
e-mail (the relay sends them), and a rolled-back change records none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.app.task import Task
from django.core import mail
from django.db import transaction
from django.utils import timezone

from jewelcrm.messaging.models import Message
from jewelcrm.messaging.services import message_relay
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, StoreFactory
from warranties.portal import services
from warranties.portal.tests.factories import owned_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_loses_everything(monkeypatch):
    """Every task handed to the broker is lost (Redis restarted without persistence)."""
    lost = []
    monkeypatch.setattr(Task, "apply_async", lambda self, *a, **kw: lost.append(self.name))
    return lost


def _kinds(brand):
    with brand_context(brand):
        return sorted(Message.objects.values_list("kind", "to", "status"))


def _relay_later(brand, monkeypatch):
    """The relay's next pass, after the broker came back: sends what is due, once."""
    monkeypatch.undo()
    with brand_context(brand):
        message_relay(brand=brand, now=timezone.now() + timedelta(minutes=5))


@pytest.fixture
def piece(brand):
    store = StoreFactory(brand=brand)
    owner_membership = MembershipFactory(brand=brand, role="owner", user__email="boss@example.test")
    item = owned_item(brand=brand, store=store, customer=None)
    item.owner.email = "ines@example.test"
    with brand_context(brand):
        item.owner.save(update_fields=["email"])
    return item, store, owner_membership


def test_owner_approval_email_is_in_the_send_log_when_the_request_commits(
    brand, piece, broker_loses_everything, monkeypatch, django_capture_on_commit_callbacks
):
    item, store, boss = piece
    other_store = StoreFactory(brand=brand)
    with brand_context(brand), django_capture_on_commit_callbacks(execute=True):
        services.transfer_record_in_store(
            brand=brand, item=item, store=other_store, actor=boss.user, email="new@example.test"
        )
    assert _kinds(brand) == [("portal.owner_approval", "ines@example.test", "pending")]
    assert "portal.tasks" not in " ".join(broker_loses_everything)  # no task carries the e-mail

    _relay_later(brand, monkeypatch)
    assert [m.to for m in mail.outbox] == [["ines@example.test"]]
    assert _kinds(brand) == [("portal.owner_approval", "ines@example.test", "sent")]


def test_transfer_notices_are_in_the_send_log_when_the_transfer_commits(
    brand, piece, broker_loses_everything, monkeypatch, django_capture_on_commit_callbacks
):
    item, store, boss = piece
    with brand_context(brand):
        _transfer, code = services.transfer_start(brand=brand, item=item, customer=item.owner, kind="sale")
    with brand_context(brand), django_capture_on_commit_callbacks(execute=True):
        services.transfer_record_in_store(
            brand=brand, item=item, store=store, actor=boss.user, email="new@example.test", owner_code=code
        )
    assert _kinds(brand) == [
        ("portal.transfer_done_new", "new@example.test", "pending"),
        ("portal.transfer_done_previous", "ines@example.test", "pending"),
    ]
    _relay_later(brand, monkeypatch)
    assert sorted(m.to[0] for m in mail.outbox) == ["ines@example.test", "new@example.test"]


def test_loss_alerts_are_in_the_send_log_when_the_report_commits(
    brand, piece, broker_loses_everything, monkeypatch, django_capture_on_commit_callbacks
):
    item, store, boss = piece
    with brand_context(brand), django_capture_on_commit_callbacks(execute=True):
        services.item_report_loss(brand=brand, item=item, status="stolen", customer=item.owner)
    assert _kinds(brand) == [
        ("portal.loss_alert", "boss@example.test", "pending"),
        ("portal.loss_owner_alert", "ines@example.test", "pending"),
    ]
    _relay_later(brand, monkeypatch)
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@example.test", "ines@example.test"]


def test_a_rolled_back_report_records_no_e_mail(brand, piece):
    item, _store, _boss = piece
    with brand_context(brand), pytest.raises(RuntimeError), transaction.atomic():
        services.item_report_loss(brand=brand, item=item, status="lost", customer=item.owner)
        raise RuntimeError("the request failed after the report")
    assert _kinds(brand) == []
