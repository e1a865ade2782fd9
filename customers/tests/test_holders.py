"""GDPR erasure, export and duplicate merge go through the apps' registered holders (customers.holders):
no model pointing to a customer is left without one, customers walks no other app's tables, and each
app's rules apply (segmentation drops scores, the portal blanks its free texts, warranties keeps the
piece's timeline)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from customers import dedupe, gdpr, holders
from customers.holders import Collected, CustomerDataHolder
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from segmentation import pipeline, services
from segmentation.models import CustomerScore, PipelineRun, Segment, SegmentMember
from segmentation.tests.factories import history
from tests.factories import StoreFactory
from warranties.inventory.models import Item
from warranties.portal.models import OwnerApproval
from warranties.tests.factories import ItemEventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def foreign_keys_to_customer() -> set[str]:
    """Every "app.Model.field" foreign key (or one-to-one) of any installed model to customers.Customer."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is Customer:
                found.add(f"{model._meta.label}.{f.name}")
    return found


def uncovered() -> set[str]:
    return foreign_keys_to_customer() - holders.covered_foreign_keys()


def test_every_foreign_key_to_a_customer_has_an_erase_and_merge_handler():
    assert uncovered() == set(), (
        "These foreign keys to customers.Customer have no registered holder: add them to the app's "
        "customer_data.py (customers.holders) with how to collect, erase and merge the rows"
    )
    # ... and no holder declares a key that does not exist (a renamed field would go unnoticed).
    assert holders.covered_foreign_keys() - foreign_keys_to_customer() == set()
    assert {h.app_label for h in holders.holders()} == {
        "customers",
        "inventory",
        "warranties",
        "portal",
        "segmentation",
        "campaigns",
        "campaign_outreach",
        "campaign_audiences",
        "campaign_delivery",
    }


def test_the_check_fails_when_an_app_forgets_its_holder(monkeypatch):
    monkeypatch.delitem(holders._HOLDERS, "segmentation")
    assert uncovered() == {"segmentation.CustomerScore.customer", "segmentation.SegmentMember.customer"}


def test_customers_walks_no_other_apps_tables_by_reflection():
    root = Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and re.search(r"get_fields\(|related_objects|get_models\(", path.read_text())
    ]
    assert offenders == []


def test_a_registered_holder_takes_part_in_export_erasure_and_merge(brand, monkeypatch):
    calls: list[tuple[str, object]] = []

    def collect(brand_, ids):
        calls.append(("collect", list(ids)))
        return Collected()

    def erase(erasure):
        calls.append(("erase", list(erasure.profile_ids)))
        assert "alma.ruiz@example.test" in erasure.needles  # the person's values, read before blanking

    def merge(merge):
        calls.append(("merge", (merge.survivor.pk, merge.other.pk)))

    monkeypatch.setitem(holders._HOLDERS, "zz_test", CustomerDataHolder("zz_test", (), collect, erase, merge))
    person = CustomerFactory(brand=brand, email="alma.ruiz@example.test")
    twin = CustomerFactory(brand=brand, email="alma.ruiz@example.test")
    with brand_context(brand):
        dedupe.customer_merge(brand=brand, survivor=person, other=twin)
        gdpr.customer_export(brand=brand, customer=Customer.objects.get(pk=person.pk))
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=person.pk))
    assert calls == [
        ("merge", (person.pk, twin.pk)),
        ("collect", [person.pk, twin.pk]),
        ("erase", [person.pk, twin.pk]),
    ]


@pytest.fixture
def scored(brand):
    people = history(
        brand,
        {"Ada": [("2025-01-10", "100"), ("2026-02-01", "500")], "Bea": [("2025-04-01", "2000")]},
    )
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=date(2026, 3, 31))
    pipeline.run_execute(brand=brand, run_id=run.pk)
    with brand_context(brand):
        segment = Segment.objects.create(brand=brand, name="Everyone")
        for person in people.values():
            SegmentMember.objects.create(brand=brand, segment=segment, customer=person)
        assert CustomerScore.objects.filter(customer__in=people.values()).count() == 2
    return people


def test_erasure_drops_scores_blanks_portal_texts_and_keeps_the_timeline(brand, scored):
    ada = scored["Ada"]
    store = StoreFactory(brand=brand)
    registration = RegistrationFactory(brand=brand, customer=ada, store=store, gift_recipient_name="Lou")
    item = registration.item
    with brand_context(brand):
        Item.objects.filter(pk=item.pk).update(owner=ada)
        approval = OwnerApproval.objects.create(
            brand=brand,
            item=item,
            customer=ada,
            store=store,
            action="transfer",
            nonce="n" * 32,
            new_owner_email="friend@example.test",
            new_owner_first_name="Noor",
            note="Ada is selling it",
            expires_at=timezone.now() + timedelta(days=7),
        )
    event = ItemEventFactory(brand=brand, item=item, kind="sold", data={"to": ada.full_name})

    with brand_context(brand):
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=ada.pk))

        assert not CustomerScore.objects.filter(customer=ada).exists()
        assert not SegmentMember.objects.filter(customer=ada).exists()
        assert CustomerScore.objects.filter(customer=scored["Bea"]).count() == 1  # others untouched
        approval.refresh_from_db()
        assert (approval.new_owner_email, approval.new_owner_first_name, approval.note) == ("", "", "")
        registration.refresh_from_db()
        assert registration.gift_recipient_name == "" and registration.customer_id == ada.pk
        event.refresh_from_db()
        assert event.data == {"to": "[erased]"}  # the timeline stays, without the name
        changed = AuditLog.objects.get(action="customer.gdpr_erase").data["rows_changed"]
    assert changed["segmentation.CustomerScore"] == 1
    assert changed["segmentation.SegmentMember"] == 1
    assert changed["portal.OwnerApproval"] == 1
    assert changed["warranties.ItemEvent"] == 1


def test_merge_moves_scores_and_memberships_and_drops_what_the_survivor_has(brand, scored):
    ada, bea = scored["Ada"], scored["Bea"]
    with brand_context(brand):
        dedupe.customer_merge(brand=brand, survivor=ada, other=bea)
        # Both were scored in the same run and are members of the same segment: Bea's rows clash with
        # Ada's (one per run / segment and person) and go; the next run scores the merged history.
        assert CustomerScore.objects.filter(customer=bea).count() == 0
        assert SegmentMember.objects.filter(customer=bea).count() == 0
        assert CustomerScore.objects.filter(customer=ada).count() == 1
        audit = AuditLog.objects.get(action="customer.merge").data
    assert audit["dropped"] == {
        "segmentation.CustomerScore.customer": 1,
        "segmentation.SegmentMember.customer": 1,
    }
    assert audit["moved"]["customers.Order.customer"] == 1
