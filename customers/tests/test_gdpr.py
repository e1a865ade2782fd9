"""GDPR: export, erasure (nothing identifying left anywhere in the database), retention rule."""

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from customers import gdpr, selectors
from customers.models import Consent, Customer, Order, Relation
from customers.tasks import apply_customer_retention_task
from customers.tests.factories import (
    ConsentFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    RelationFactory,
)
from jewelcrm.accounts.models import AuditLog
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.roles import as_role
from tests.factories import MessageFactory, StoreFactory
from warranties.inventory.models import Item
from warranties.models import Intervention, Registration
from warranties.tests.factories import InterventionFactory, ItemEventFactory, RegistrationFactory

PERSON = {
    "first_name": "Zéphyrine",
    "last_name": "Quaglieri",
    "email": "zephyrine.quaglieri@example.test",
    "phone": "+41794382683",
    "birth_date": date(1987, 3, 14),
    "address": "17 chemin des Glycines",
}
# Everything that must not survive erasure, in the forms it may take in text.
NEEDLES = [
    "Zéphyrine",
    "Quaglieri",
    "zephyrine.quaglieri",
    "+41794382683",
    "079 438 26 83",
    "1987-03-14",
    "14/03/1987",
    "chemin des Glycines",
    "Octavien",
    "octavien@example.test",
    "2015-07-09",
    "old.address@example.test",
]


def _person(brand, store):
    customer = CustomerFactory(
        brand=brand,
        home_store=store,
        notes="Prefers calls: 079 438 26 83",
        tags=["VIP", "Quaglieri family"],
        field_sources={"email": "erp"},
        **PERSON,
    )
    # A profile merged into this one earlier: the same person.
    CustomerFactory(
        brand=brand,
        first_name="Zéphyrine",
        last_name="Quaglieri",
        email="old.address@example.test",
        phone="",
        merged_into=customer,
    )
    relation = RelationFactory(
        brand=brand,
        customer=customer,
        name="Octavien Quaglieri",
        email="octavien@example.test",
        birth_date=date(2015, 7, 9),
    )
    order = OrderFactory(brand=brand, customer=customer, email=PERSON["email"])
    OrderLineFactory(brand=brand, order=order)
    ConsentFactory(brand=brand, customer=customer, ip="203.0.113.7")
    registration = RegistrationFactory(
        brand=brand, customer=customer, store=store, gift_recipient_name="Octavien"
    )
    item = registration.item
    with brand_context(brand):
        Item.objects.filter(pk=item.pk).update(owner=customer)
    ItemEventFactory(
        brand=brand,
        item=item,
        kind="sold",
        data={"to": "Zéphyrine Quaglieri", "note": "ok", "gift_for_birthday": "2015-07-09"},
    )
    InterventionFactory(brand=brand, item=item, store=store, description="Call Zéphyrine on +41794382683")
    with brand_context(brand):
        audit_log_record(
            brand=brand,
            action="customer.note",
            obj=customer,
            data={"email": PERSON["email"], "said": "Quaglieri asked for a call", "born": "1987-03-14"},
        )
        audit_log_record(brand=brand, action="import.row", data={"row": ["C1", "Quaglieri", "14/03/1987"]})
    # E-mails in the send log: one sent, one still waiting (it must not leave after the erasure).
    MessageFactory(brand=brand, to=PERSON["email"], status="sent", subject="Welcome")
    MessageFactory(brand=brand, to="OLD.address@example.test")
    return customer, relation, order, item


def _scan(brand, needles):
    """(table, column, needle) for every text/varchar/json column of the public schema holding a needle,
    read as the owner role with the brand's setting (row-level security is forced on the owner too)."""
    found = []
    with as_role("owner"), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jewelcrm.brand_id', %s, false)", [str(brand.pk)])
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'character') ORDER BY 1, 2"
        )
        columns = cursor.fetchall()
        assert len(columns) > 50
        for table, column in columns:
            cursor.execute(
                f'SELECT "{column}"::text FROM "{table}" WHERE "{column}"::text ILIKE ANY(%s)',  # noqa: S608
                [[f"%{n}%" for n in needles]],
            )
            for (value,) in cursor.fetchall():
                found.extend((table, column, n) for n in needles if n.lower() in value.lower())
        cursor.execute("SELECT set_config('jewelcrm.brand_id', '', false)")
    return found


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_identifying_value_anywhere_in_the_database(brand, other_brand):
    store = StoreFactory(brand=brand)
    customer, relation, order, item = _person(brand, store)
    # Another brand's customer with the same name is not touched.
    foreign = CustomerFactory(brand=other_brand, first_name="Zéphyrine", last_name="Quaglieri")
    assert {n for _t, _c, n in _scan(brand, NEEDLES)} == set(NEEDLES)  # the scan sees them before

    with brand_context(brand):
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=customer.pk))

    assert _scan(brand, NEEDLES) == []
    with brand_context(brand):
        customer.refresh_from_db()
        assert (customer.first_name, customer.last_name) == ("Erased customer", f"#{customer.pk}")
        assert (customer.email, customer.phone, customer.birth_date, customer.address) == ("", "", None, "")
        assert customer.is_pseudonymised and customer.tags == [] and customer.notes == ""
        # History kept under the pseudonym.
        assert Item.objects.get(pk=item.pk).owner_id == customer.pk
        assert Registration.objects.filter(customer=customer).count() == 1
        assert Intervention.objects.filter(item=item).count() == 1
        assert Order.objects.get(pk=order.pk).customer_id == customer.pk
        assert Relation.objects.get(pk=relation.pk).birth_date is None
        # Consents kept as anonymous facts, withdrawn.
        assert list(Consent.objects.filter(customer=customer).values_list("is_granted", "ip")) == [
            (True, None),
            (False, None),
        ]
        assert selectors.consent_is_active(brand=brand, customer=customer, channel="email") is False
        assert AuditLog.objects.filter(action="customer.gdpr_erase", object_id=str(customer.pk)).count() == 1
        from jewelcrm.messaging.models import Message

        assert sorted(Message.objects.values_list("to", "status")) == [
            ("erased", "sent"),
            ("erased", "skipped"),
        ]
    with brand_context(other_brand):
        assert Customer.objects.get(pk=foreign.pk).last_name == "Quaglieri"


@pytest.mark.django_db
def test_export_holds_the_profile_and_every_related_row(brand):
    store = StoreFactory(brand=brand)
    customer, relation, order, item = _person(brand, store)
    with brand_context(brand):
        export = gdpr.customer_export(brand=brand, customer=customer)
        json.dumps(export)  # serialisable
        assert AuditLog.objects.filter(action="customer.gdpr_export").count() == 1
    assert export["customer"]["email"] == PERSON["email"]
    assert export["customer"]["birth_date"] == "1987-03-14"
    related = export["related"]
    assert [r["id"] for r in related["customers.Relation"]] == [relation.pk]
    assert [r["id"] for r in related["customers.Order"]] == [order.pk]
    assert [r["id"] for r in related["inventory.Item"]] == [item.pk]
    assert len(related["customers.Consent"]) == 1
    assert len(related["warranties.Registration"]) == 1
    assert len(related["customers.Customer"]) == 1  # the merged profile
    assert len(export["related_details"]["customers.OrderLine"]) == 1
    assert len(export["related_details"]["warranties.Intervention"]) == 1


@pytest.mark.django_db
def test_erasure_is_idempotent(brand):
    customer = CustomerFactory(brand=brand, **PERSON)
    with brand_context(brand):
        gdpr.customer_erase(brand=brand, customer=customer)
        gdpr.customer_erase(brand=brand, customer=Customer.objects.get(pk=customer.pk))
        customer.refresh_from_db()
    assert customer.full_name == f"Erased customer #{customer.pk}"


def _age(customer, days):
    old = datetime.now(tz=UTC) - timedelta(days=days)
    with brand_context(customer.brand):
        assert Customer.objects.filter(pk=customer.pk).update(created_at=old, updated_at=old) == 1


@pytest.mark.django_db
def test_retention_erases_only_customers_inactive_for_the_period(brand, settings):
    settings.CUSTOMER_RETENTION_MONTHS = 36
    inactive = CustomerFactory(brand=brand)
    recent_order = CustomerFactory(brand=brand)
    recent_consent = CustomerFactory(brand=brand)
    new = CustomerFactory(brand=brand)
    for c in (inactive, recent_order, recent_consent):
        _age(c, 4 * 365)
    OrderFactory(brand=brand, customer=recent_order, ordered_at=datetime.now(tz=UTC) - timedelta(days=30))
    ConsentFactory(brand=brand, customer=recent_consent)
    _age(recent_consent, 4 * 365)
    with brand_context(brand):
        assert gdpr.retention_apply(brand=brand, dry_run=True) == [inactive.pk]
        assert not Customer.objects.filter(is_pseudonymised=True).exists()
    assert apply_customer_retention_task(brand.pk) == 1
    with brand_context(brand):
        assert set(Customer.objects.filter(is_pseudonymised=True).values_list("pk", flat=True)) == {
            inactive.pk
        }
        assert AuditLog.objects.filter(action="customer.gdpr_erase").count() == 1
        assert AuditLog.objects.get(action="customer.retention_run").data == {"months": 36, "erased": 1}
    assert new.pk  # untouched


@pytest.mark.django_db
def test_retention_per_brand_setting_and_command(brand, other_brand, settings):
    settings.CUSTOMER_RETENTION_MONTHS = 36
    settings.CUSTOMER_RETENTION_MONTHS_BY_BRAND = {other_brand.slug: 0}  # disabled for the other brand
    mine, theirs = CustomerFactory(brand=brand), CustomerFactory(brand=other_brand)
    _age(mine, 4 * 365)
    _age(theirs, 4 * 365)
    out = StringIO()
    call_command("customers_retention", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "autre-maison: retention 0 months, would erase 0 customer(s)",
        "maison-test: retention 36 months, would erase 1 customer(s)",
    ]
    call_command("customers_retention", "--brand", brand.slug, stdout=StringIO())
    with brand_context(brand):
        assert Customer.objects.get(pk=mine.pk).is_pseudonymised
    with brand_context(other_brand):
        assert not Customer.objects.get(pk=theirs.pk).is_pseudonymised


@pytest.mark.django_db
def test_nightly_retention_fans_out_one_task_per_active_brand(
    brand, other_brand, monkeypatch, django_capture_on_commit_callbacks
):
    from customers import tasks
    from jewelcrm.settings.schedule import CELERY_BEAT_SCHEDULE

    other_brand.is_active = False
    other_brand.save()
    sent = []
    monkeypatch.setattr(tasks.apply_customer_retention_task, "delay", lambda brand_id: sent.append(brand_id))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.apply_customer_retention_all_task() == 1
    assert sent == [brand.pk]
    entry = CELERY_BEAT_SCHEDULE["customers-retention"]
    assert entry["task"] == "customers.tasks.apply_customer_retention_all_task"
    assert entry["options"]["expires"] > 0


@pytest.mark.django_db(transaction=True)
def test_retention_task_runs_in_a_real_worker(brand, settings, celery_worker):
    settings.CUSTOMER_RETENTION_MONTHS = 12
    inactive = CustomerFactory(brand=brand, **PERSON)
    _age(inactive, 2 * 365)
    assert apply_customer_retention_task.delay(brand.pk).get(timeout=30) == 1
    with brand_context(brand):
        assert Customer.objects.get(pk=inactive.pk).is_pseudonymised
