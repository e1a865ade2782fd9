"""Customer pages: list, 360, edit, relations, consents, duplicates, GDPR, CSV export. Roles and brands."""

import csv
import io
import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Consent, Customer, Relation
from customers.tests.factories import (
    ConsentFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    RelationFactory,
)
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties.inventory.tests.factories import ItemFactory
from warranties.tests.factories import InterventionFactory, ItemEventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

BRAND_STAFF = ["owner", "admin", "marketer", "analyst"]


def url(name, brand, **kwargs):
    return reverse(name, kwargs={"brand_slug": brand.slug, **kwargs})


def _ids(response):
    return [c.pk for c in response.context["customers"]]


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [*((r, 200) for r in BRAND_STAFF), ("sales_associate", 403), ("retail_manager", 403)],
)
def test_list_and_360_per_role(client_for, brand, role, expected):
    customer = CustomerFactory(brand=brand)
    client = client_for(brand, role)
    assert client.get(url("customer360:list", brand)).status_code == expected
    assert client.get(url("customer360:detail", brand, pk=customer.pk)).status_code == expected


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


# --- List --------------------------------------------------------------------------------------


def test_list_search_by_name_email_phone_and_serial(analyst_client, brand):
    ana = CustomerFactory(
        brand=brand, first_name="Ana", last_name="Dàvid", email="ana@example.test", phone="+33611223344"
    )
    bob = CustomerFactory(
        brand=brand, first_name="Bob", last_name="Martin", email="bob@example.test", phone="+41791112233"
    )
    ItemFactory(brand=brand, serial="BA86943881", owner=bob, status="sold")
    CustomerFactory(brand=brand, first_name="Ana", last_name="Dàvid", merged_into=ana)
    CustomerFactory(brand=other_brand_customer_brand(brand), first_name="Ana")
    search = lambda q: _ids(analyst_client.get(url("customer360:list", brand), {"q": q}))  # noqa: E731
    assert search("ana dàv") == [ana.pk]
    assert search("DAVID") == [ana.pk]  # accent-insensitive
    assert search("BOB@EXAMPLE") == [bob.pk]
    assert search("06 11 22 33 44") == [ana.pk]
    assert search("ba86943881") == [bob.pk]
    assert search("nobody") == []


def other_brand_customer_brand(brand):
    from tests.factories import BrandFactory

    return BrandFactory(slug="third-brand")


def test_list_filters(analyst_client, brand):
    store = StoreFactory(brand=brand)
    swiss = CustomerFactory(brand=brand, country="CH", last_name="A", tags=["VIP"])
    french = CustomerFactory(brand=brand, country="FR", last_name="B", home_store=store)
    owner = CustomerFactory(brand=brand, country="FR", last_name="C")
    ItemFactory(brand=brand, owner=owner, status="sold")
    ConsentFactory(brand=brand, customer=french, channel="sms", is_confirmed=False)
    get = lambda **p: _ids(analyst_client.get(url("customer360:list", brand), p))  # noqa: E731
    assert get(country="CH") == [swiss.pk]
    assert get(store=str(store.pk)) == [french.pk]
    assert get(consent="sms") == [french.pk]
    assert get(items="yes") == [owner.pk]
    assert get(items="no") == [swiss.pk, french.pk]
    assert get(tag="VIP") == [swiss.pk]
    response = analyst_client.get(url("customer360:list", brand), {"country": "JP"})
    assert "No customer matches these filters." in response.content.decode()


def _count_queries(client, target):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(target)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_page_has_a_fixed_query_count(marketer_client, brand, django_assert_num_queries):
    store = StoreFactory(brand=brand)
    for i in range(3):
        CustomerFactory(brand=brand, home_store=store, tags=["VIP"], last_name=f"A{i}")
    marketer_client.get(url("customer360:list", brand))  # the filter choices are cached from now on
    few = _count_queries(marketer_client, url("customer360:list", brand))
    for i in range(30):
        c = CustomerFactory(
            brand=brand, home_store=StoreFactory(brand=brand), tags=[f"t{i}"], last_name=f"B{i}"
        )
        ItemFactory(brand=brand, owner=c, status="sold")
    first = marketer_client.get(url("customer360:list", brand) + "?q=b").context["page"]
    many = _count_queries(marketer_client, url("customer360:list", brand) + f"?q=b&after={first.next_cursor}")
    assert few == many
    with django_assert_num_queries(few):
        marketer_client.get(url("customer360:list", brand))


def test_360_page_has_a_fixed_query_count(marketer_client, brand):
    store = StoreFactory(brand=brand)

    def person(n):
        customer = CustomerFactory(brand=brand, home_store=store)
        for _ in range(n):
            registration = RegistrationFactory(brand=brand, customer=customer, store=store)
            item = registration.item
            with brand_context(brand):
                type(item).objects.filter(pk=item.pk).update(owner=customer)
            InterventionFactory(brand=brand, item=item, store=store)
            ItemEventFactory(brand=brand, item=item)
            OrderLineFactory(brand=brand, order=OrderFactory(brand=brand, customer=customer, store=store))
            ConsentFactory(brand=brand, customer=customer)
            RelationFactory(brand=brand, customer=customer)
        return customer

    one, five = person(1), person(5)
    assert _count_queries(marketer_client, url("customer360:detail", brand, pk=one.pk)) == _count_queries(
        marketer_client, url("customer360:detail", brand, pk=five.pk)
    )


def test_360_page_shows_everything(analyst_client, brand):
    store = StoreFactory(brand=brand, code="PAR-VDM")
    customer = CustomerFactory(
        brand=brand, first_name="Ana", last_name="David", notes="Ring size 52", field_sources={"email": "erp"}
    )
    registration = RegistrationFactory(brand=brand, customer=customer, store=store)
    with brand_context(brand):
        type(registration.item).objects.filter(pk=registration.item.pk).update(owner=customer)
    InterventionFactory(brand=brand, item=registration.item, store=store, kind="resizing")
    OrderFactory(brand=brand, customer=customer, external_id="ERP-77", status="refunded", store=store)
    ConsentFactory(brand=brand, customer=customer, channel="email", is_confirmed=True)
    RelationFactory(brand=brand, customer=customer, name="Paul", birth_date=date(2015, 6, 1))
    response = analyst_client.get(url("customer360:detail", brand, pk=customer.pk))
    body = response.content.decode()
    for text in (
        "Ana David",
        "Ring size 52",
        registration.item.serial,
        "ERP-77",
        "Refunded",
        "Resizing",
        "Paul",
        "ERP",
        "active",
    ):
        assert text in body, text
    kinds = [t.kind for t in response.context["timeline"]]
    assert sorted(set(kinds)) == ["consent", "intervention", "order", "registration"]
    assert response.context["items"][0]["under_warranty"] is True
    assert "Edit profile" not in body  # analyst: read-only


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


# --- CSV export --------------------------------------------------------------------------------


def test_csv_export_only_consented_customers_with_neutralised_cells(marketer_client, brand):
    ok = CustomerFactory(
        brand=brand,
        first_name='=HYPERLINK("http://x")',
        last_name="A",
        email="ok@example.test",
        phone="+33611111111",
    )
    ConsentFactory(brand=brand, customer=ok, channel="email", is_confirmed=True)
    pending = CustomerFactory(brand=brand, last_name="B")
    ConsentFactory(brand=brand, customer=pending, channel="email", is_confirmed=False)
    CustomerFactory(brand=brand, last_name="C")
    response = marketer_client.get(url("customer360:export", brand), {"consent": "email"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "id",
        "external id",
        "title",
        "first name",
        "last name",
        "e-mail",
        "postal code",
        "city",
        "country",
        "language",
        "home store",
        "tags",
    ]
    assert rows[1:] == [
        [str(ok.pk), "", "", '\'=HYPERLINK("http://x")', "A", "ok@example.test", "", "", "FR", "fr", "", ""]
    ]
    with brand_context(brand):
        audit = AuditLog.objects.get(action="customer.csv_export")
    assert (audit.data["channel"], audit.data["rows"], audit.actor_id) == (
        "email",
        1,
        marketer_client.user.pk,
    )


def test_csv_export_needs_a_channel_and_a_marketing_role(marketer_client, analyst_client, brand):
    assert marketer_client.get(url("customer360:export", brand)).status_code == 400
    assert analyst_client.get(url("customer360:export", brand), {"consent": "email"}).status_code == 403
    with brand_context(brand):
        assert not AuditLog.objects.exists()


def test_pages_speak_french(marketer_client, brand):
    customer = CustomerFactory(brand=brand)
    marketer_client.cookies.load({"django_language": "fr"})
    body = marketer_client.get(url("customer360:list", brand), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Nom, e-mail, téléphone ou numéro de série" in body
    detail = marketer_client.get(url("customer360:detail", brand, pk=customer.pk), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Chronologie" in detail.content.decode()


def test_list_shows_only_the_brands_customers_and_export_too(marketer_client, brand, other_brand):
    mine = CustomerFactory(brand=brand, email="mine@example.test")
    ConsentFactory(brand=brand, customer=mine, channel="email")
    theirs = CustomerFactory(brand=other_brand, email="theirs@example.test")
    ConsentFactory(brand=other_brand, customer=theirs, channel="email")
    assert _ids(marketer_client.get(url("customer360:list", brand))) == [mine.pk]
    csv_body = marketer_client.get(url("customer360:export", brand), {"consent": "email"}).content.decode()
    assert "mine@example.test" in csv_body and "theirs@example.test" not in csv_body
