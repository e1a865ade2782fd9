"""Customer pages: edit, relations, consents, duplicates, GDPR. Roles and brands (the list, the 360 page
and the CSV export are tested in warranties/customer_360/tests)."""

import json
from datetime import date

import pytest
from django.urls import reverse

from customers.models import Consent, Customer, Relation
from customers.tests.factories import (
    CustomerFactory,
    OrderFactory,
    RelationFactory,
)
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

BRAND_STAFF = ["owner", "admin", "marketer", "analyst"]


def url(name, brand, **kwargs):
    return reverse(name, kwargs={"brand_slug": brand.slug, **kwargs})


def _ids(response):
    return [c.pk for c in response.context["customers"]]


# --- Access ------------------------------------------------------------------------------------


def test_customer_of_another_brand_answers_like_a_missing_one(owner_client, brand, other_brand):
    foreign = CustomerFactory(brand=other_brand)
    for name in (
        "customer360:detail",
        "customers:edit",
        "customers:consents",
        "customers:gdpr",
        "customers:relation_create",
    ):
        assert owner_client.get(url(name, brand, pk=foreign.pk)).status_code == 404
        assert owner_client.get(url(name, brand, pk=999999)).status_code == 404
    # And the other brand's own pages are out of reach.
    assert owner_client.get(url("customer360:list", other_brand)).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 200), ("admin", 200), ("marketer", 200), ("analyst", 403)]
)
def test_edit_pages_are_for_marketing_roles(client_for, brand, role, expected):
    customer = CustomerFactory(brand=brand)
    client = client_for(brand, role)
    assert client.get(url("customers:edit", brand, pk=customer.pk)).status_code == expected
    assert client.get(url("customers:create", brand)).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 200), ("admin", 200), ("marketer", 403), ("analyst", 403)]
)
def test_gdpr_pages_are_for_owners_and_admins(client_for, brand, role, expected):
    customer = CustomerFactory(brand=brand)
    client = client_for(brand, role)
    assert client.get(url("customers:gdpr", brand, pk=customer.pk)).status_code == expected
    assert client.get(url("customers:erase", brand, pk=customer.pk)).status_code == expected


# --- Edit --------------------------------------------------------------------------------------


def test_marketer_edits_a_profile_with_normalised_contact_data(marketer_client, brand):
    store = StoreFactory(brand=brand)
    customer = CustomerFactory(brand=brand, first_name="Ana", last_name="David", country="FR")
    response = marketer_client.post(
        url("customers:edit", brand, pk=customer.pk),
        {
            "first_name": "Ana",
            "last_name": "David",
            "email": " Ana.David@Example.TEST ",
            "phone": "06 12 34 56 78",
            "country": "FR",
            "tags": "VIP, bridal",
            "home_store": store.pk,
            "birth_date": "1990-12-26",
        },
    )
    assert response.status_code == 302
    with brand_context(brand):
        customer.refresh_from_db()
    assert (customer.email, customer.phone, customer.tags) == (
        "ana.david@example.test",
        "+33612345678",
        ["VIP", "bridal"],
    )
    assert (customer.home_store_id, customer.birth_date) == (store.pk, date(1990, 12, 26))
    assert customer.field_sources["email"] == "staff"


def test_invalid_contact_data_is_shown_next_to_the_field_and_nothing_changes(marketer_client, brand):
    customer = CustomerFactory(brand=brand, email="a@example.test", phone="+33611111111")
    response = marketer_client.post(
        url("customers:edit", brand, pk=customer.pk),
        {
            "first_name": "X",
            "last_name": "Y",
            "email": "not-an-email",
            "phone": "12",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"email", "phone"}
    with brand_context(brand):
        customer.refresh_from_db()
    assert (customer.first_name, customer.email) != ("X", "not-an-email")
    assert customer.email == "a@example.test"


def test_analyst_cannot_edit(analyst_client, brand):
    customer = CustomerFactory(brand=brand, first_name="Ana")
    response = analyst_client.post(
        url("customers:edit", brand, pk=customer.pk),
        {"first_name": "Bob", "last_name": "X", "email": "b@example.test"},
    )
    assert response.status_code == 403
    with brand_context(brand):
        assert Customer.objects.get(pk=customer.pk).first_name == "Ana"


def test_create_customer(marketer_client, brand):
    response = marketer_client.post(
        url("customers:create", brand),
        {
            "first_name": "Léa",
            "last_name": "Roux",
            "email": "lea@example.test",
            "country": "CH",
            "phone": "079 438 26 83",
        },
    )
    assert response.status_code == 302
    with brand_context(brand):
        customer = Customer.objects.get()
        assert (customer.phone, customer.field_sources["email"]) == ("+41794382683", "staff")
        assert AuditLog.objects.filter(action="customer.create").count() == 1


def test_relations_add_and_remove(marketer_client, brand):
    customer = CustomerFactory(brand=brand)
    response = marketer_client.post(
        url("customers:relation_create", brand, pk=customer.pk),
        {
            "name": "Paul",
            "kind": "child",
            "birth_date": "2016-02-29",
        },
    )
    assert response.status_code == 302
    with brand_context(brand):
        relation = Relation.objects.get(customer=customer)
    assert (relation.name, relation.birth_date) == ("Paul", date(2016, 2, 29))
    marketer_client.post(url("customers:relation_delete", brand, pk=customer.pk, relation_id=relation.pk))
    with brand_context(brand):
        assert not Relation.objects.exists()


def test_relation_of_another_customer_is_404(marketer_client, brand):
    mine, theirs = CustomerFactory(brand=brand), CustomerFactory(brand=brand)
    relation = RelationFactory(brand=brand, customer=theirs)
    response = marketer_client.post(
        url("customers:relation_delete", brand, pk=mine.pk, relation_id=relation.pk)
    )
    assert response.status_code == 404
    with brand_context(brand):
        assert Relation.objects.filter(pk=relation.pk).exists()


# --- Consents ----------------------------------------------------------------------------------


def test_marketer_appends_to_the_ledger_and_analyst_cannot(marketer_client, analyst_client, brand):
    customer = CustomerFactory(brand=brand)
    target = url("customers:consents", brand, pk=customer.pk)
    data = {"channel": "sms", "purpose": "marketing", "decision": "grant", "wording_version": "v3"}
    assert analyst_client.post(target, data).status_code == 403
    assert marketer_client.post(target, data).status_code == 302
    assert marketer_client.post(target, {**data, "decision": "withdraw"}).status_code == 302
    with brand_context(brand):
        ledger = list(
            Consent.objects.filter(customer=customer).values_list("is_granted", "source", "staff_id")
        )
    assert ledger == [(True, "staff", marketer_client.user.pk), (False, "staff", marketer_client.user.pk)]
    page = analyst_client.get(target).content.decode()
    assert "Add to the ledger" not in page and "withdrawn" in page


# --- Duplicates and merge ----------------------------------------------------------------------


def test_duplicates_page_and_merge(marketer_client, analyst_client, brand):
    a = CustomerFactory(brand=brand, email="same@example.test", phone="")
    b = CustomerFactory(brand=brand, email="same@example.test", phone="+33699999999")
    page = analyst_client.get(url("customers:duplicates", brand))
    assert [(p.first.pk, p.second.pk) for p in page.context["pairs"]] == [(a.pk, b.pk)]
    merge = url("customers:merge", brand, first=a.pk, second=b.pk)
    assert analyst_client.post(merge, {"survivor": a.pk}).status_code == 403
    assert marketer_client.get(merge).status_code == 200
    response = marketer_client.post(merge, {"survivor": b.pk})
    assert response.status_code == 302
    assert response["Location"] == url("customer360:detail", brand, pk=b.pk)
    with brand_context(brand):
        assert Customer.objects.get(pk=a.pk).merged_into_id == b.pk
    moved = marketer_client.get(url("customer360:detail", brand, pk=a.pk))
    assert (moved.status_code, moved["Location"]) == (302, url("customer360:detail", brand, pk=b.pk))


# --- GDPR --------------------------------------------------------------------------------------


def test_gdpr_page_and_json_download_are_audited(owner_client, brand):
    customer = CustomerFactory(brand=brand, first_name="Ana", email="ana@example.test")
    OrderFactory(brand=brand, customer=customer, external_id="ERP-9")
    page = owner_client.get(url("customers:gdpr", brand, pk=customer.pk))
    assert "ERP-9" in page.content.decode()
    download = owner_client.get(url("customers:gdpr", brand, pk=customer.pk), {"download": "json"})
    assert download["Content-Disposition"].startswith(f'attachment; filename="customer-{customer.pk}-')
    data = json.loads(download.content)
    assert data["customer"]["email"] == "ana@example.test"
    assert [o["external_id"] for o in data["related"]["customers.Order"]] == ["ERP-9"]
    with brand_context(brand):
        assert AuditLog.objects.filter(action="customer.gdpr_export", actor=owner_client.user).count() == 2


def test_erase_needs_the_confirmation_word(owner_client, brand):
    customer = CustomerFactory(brand=brand, first_name="Ana")
    target = url("customers:erase", brand, pk=customer.pk)
    response = owner_client.post(target, {"confirm": "yes"})
    assert response.status_code == 200 and response.context["form"].errors
    with brand_context(brand):
        assert Customer.objects.get(pk=customer.pk).first_name == "Ana"
    assert owner_client.post(target, {"confirm": "ERASE"}).status_code == 302
    with brand_context(brand):
        assert Customer.objects.get(pk=customer.pk).is_pseudonymised
