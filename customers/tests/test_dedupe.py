"""Likely duplicates and the generic merge."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from customers import dedupe
from customers.models import Consent, Customer, Order, Relation
from customers.tests.factories import ConsentFactory, CustomerFactory, OrderFactory, RelationFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties.inventory.models import Item
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Registration
from warranties.portal.models import Post, Rsvp
from warranties.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def _pairs(brand):
    with brand_context(brand):
        return {(p.first.pk, p.second.pk): p.reasons for p in dedupe.duplicate_pair_list(brand=brand)}


def test_duplicates_by_email_phone_and_similar_name_with_same_birth_date(brand):
    a = CustomerFactory(brand=brand, email="ana@example.test", phone="+33611111111")
    b = CustomerFactory(brand=brand, email="ana@example.test", phone="+33622222222")
    c = CustomerFactory(brand=brand, email="c@example.test", phone="+33622222222")
    d = CustomerFactory(brand=brand, first_name="Éloïse", last_name="Müller", birth_date=date(1980, 5, 1))
    e = CustomerFactory(brand=brand, first_name="Eloise", last_name="Muller", birth_date=date(1980, 5, 1))
    f = CustomerFactory(
        brand=brand, first_name="Muller", last_name="Eloise", birth_date=date(1980, 5, 1)
    )  # swapped
    CustomerFactory(
        brand=brand, first_name="Eloise", last_name="Muller", birth_date=date(1981, 5, 1)
    )  # other date
    CustomerFactory(
        brand=brand, first_name="Paul", last_name="Martin", birth_date=date(1980, 5, 1)
    )  # other name
    CustomerFactory(brand=brand, email="ana@example.test", merged_into=a)  # merged: not listed
    assert _pairs(brand) == {
        (a.pk, b.pk): ["email"],
        (b.pk, c.pk): ["phone"],
        (d.pk, e.pk): ["name_birth_date"],
        (d.pk, f.pk): ["name_birth_date"],
        (e.pk, f.pk): ["name_birth_date"],
    }


def test_duplicates_of_another_brand_are_not_listed(brand, other_brand):
    CustomerFactory(brand=brand, email="same@example.test")
    CustomerFactory(brand=other_brand, email="same@example.test")
    assert _pairs(brand) == {}


def test_merge_fills_empty_fields_and_moves_every_related_row(brand):
    store = StoreFactory(brand=brand)
    survivor = CustomerFactory(
        brand=brand,
        first_name="Ana",
        last_name="David",
        email="ana@example.test",
        phone="",
        birth_date=None,
        tags=["VIP"],
        notes="Ring size 52",
        field_sources={"email": "portal"},
    )
    other = CustomerFactory(
        brand=brand,
        first_name="Anna",
        last_name="David",
        email="ana@example.test",
        phone="+41794382683",
        birth_date=date(1990, 12, 26),
        tags=["bridal", "VIP"],
        notes="Allergic to nickel",
        external_id="C100000",
        home_store=store,
        field_sources={"phone": "erp", "birth_date": "erp"},
    )
    older = CustomerFactory(brand=brand, email="old@example.test", merged_into=other)
    item = ItemFactory(brand=brand, owner=other, status="sold")
    registration = RegistrationFactory(brand=brand, customer=other, store=store)
    order = OrderFactory(brand=brand, customer=other)
    consent = ConsentFactory(brand=brand, customer=other)
    relation = RelationFactory(brand=brand, customer=other, name="Paul")
    with brand_context(brand):
        # A hidden relation (related_name="+") with a unique constraint per customer.
        both, only_other = (
            Post.objects.create(brand=brand, title="Both", body="."),
            Post.objects.create(brand=brand, title="Other", body="."),
        )
        Rsvp.objects.create(brand=brand, post=both, customer=survivor, answer="yes")
        clash = Rsvp.objects.create(brand=brand, post=both, customer=other, answer="no")
        moved_rsvp = Rsvp.objects.create(brand=brand, post=only_other, customer=other, answer="yes")

        result = dedupe.customer_merge(brand=brand, survivor=survivor, other=other)

        survivor.refresh_from_db()
        other.refresh_from_db()
        older.refresh_from_db()
        assert result.pk == survivor.pk
        # Survivor keeps its values, takes the other's where it had none.
        assert (survivor.first_name, survivor.phone, survivor.birth_date) == (
            "Ana",
            "+41794382683",
            date(1990, 12, 26),
        )
        assert (survivor.external_id, survivor.home_store_id) == ("C100000", store.pk)
        assert survivor.tags == ["VIP", "bridal"]
        assert survivor.notes == "Ring size 52\n\nAllergic to nickel"
        assert survivor.field_sources == {"email": "portal", "phone": "erp", "birth_date": "erp"}
        # Everything moved.
        assert Item.objects.get(pk=item.pk).owner_id == survivor.pk
        assert Registration.objects.get(pk=registration.pk).customer_id == survivor.pk
        assert Order.objects.get(pk=order.pk).customer_id == survivor.pk
        assert Consent.objects.get(pk=consent.pk).customer_id == survivor.pk
        assert Relation.objects.get(pk=relation.pk).customer_id == survivor.pk
        assert Rsvp.objects.get(pk=moved_rsvp.pk).customer_id == survivor.pk
        assert Rsvp.objects.get(pk=clash.pk).customer_id == other.pk  # could not move: unique per customer
        assert older.merged_into_id == survivor.pk
        assert other.merged_into_id == survivor.pk
        assert other.external_id == ""
        audit = AuditLog.objects.get(action="customer.merge")
    assert audit.object_id == str(survivor.pk)
    assert audit.data["merged_id"] == other.pk
    assert audit.data["moved"] == {
        "customers.Consent.customer": 1,
        "customers.Customer.merged_into": 1,
        "customers.Order.customer": 1,
        "customers.Relation.customer": 1,
        "inventory.Item.owner": 1,
        "portal.Rsvp.customer": 1,
        "warranties.Registration.customer": 1,
    }
    assert audit.data["kept"] == {"portal.Rsvp.customer": 1}
    assert "Anna" not in str(audit.data) and "ana@example.test" not in str(audit.data)


@pytest.mark.parametrize("case", ["self", "already_merged", "erased", "foreign"])
def test_merge_refusals_change_nothing(brand, other_brand, case):
    survivor = CustomerFactory(brand=brand)
    other = {
        "self": survivor,
        "already_merged": CustomerFactory(brand=brand, merged_into=CustomerFactory(brand=brand)),
        "erased": CustomerFactory(brand=brand, is_pseudonymised=True),
        "foreign": CustomerFactory(brand=other_brand),
    }[case]
    OrderFactory(brand=other.brand, customer=other)
    with brand_context(brand), pytest.raises(ValidationError):
        dedupe.customer_merge(brand=brand, survivor=survivor, other=other)
    with brand_context(brand):
        assert not AuditLog.objects.filter(action="customer.merge").exists()
        assert Order.objects.filter(customer=survivor).count() == (1 if case == "self" else 0)
        assert Customer.objects.get(pk=survivor.pk).merged_into_id is None


def test_duplicates_page_has_a_fixed_query_count(analyst_client, brand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    target = reverse("customers:duplicates", kwargs={"brand_slug": brand.slug})

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert analyst_client.get(target).status_code == 200
        return len(ctx.captured_queries)

    # One pair of each kind: each kind costs one query however many pairs it has.
    CustomerFactory(brand=brand, email="a@example.test", phone="+33611111111")
    CustomerFactory(brand=brand, email="a@example.test", phone="+33611111111")
    CustomerFactory(brand=brand, first_name="Ana", last_name="Roux", birth_date=date(1980, 1, 1))
    CustomerFactory(brand=brand, first_name="Anna", last_name="Roux", birth_date=date(1980, 1, 1))
    few = count()
    for i in range(6):
        CustomerFactory(brand=brand, email=f"d{i}@example.test", home_store=StoreFactory(brand=brand))
        CustomerFactory(
            brand=brand,
            email=f"d{i}@example.test",
            birth_date=date(1990, 1, 1),
            first_name="Léa",
            last_name=f"Roux{i}",
        )
    assert count() == few
