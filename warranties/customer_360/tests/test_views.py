"""The customer list, the 360 page and the consented CSV export: roles, search, filters, query counts,
brands."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


def test_the_items_filter_is_carried_to_the_export_form(marketer_client, brand):
    """`?items=` once answered 500: the template read `request.GET.items` (the filter, not the method)."""
    owner = CustomerFactory(brand=brand, country="FR")
    ItemFactory(brand=brand, owner=owner, status="sold")
    response = marketer_client.get(
        url("customer360:list", brand), {"items": "yes", "country": "FR", "consent": "sms", "page": "1"}
    )
    assert response.status_code == 200
    assert _ids(response) == []  # no SMS consent
    assert response.context["export_params"] == [("items", "yes"), ("country", "FR")]
    body = response.content.decode()
    assert '<input type="hidden" name="items" value="yes">' in body
    assert '<input type="hidden" name="page"' not in body


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
        '<span class="badge ok">Active</span>',  # the e-mail consent
    ):
        assert text in body, text
    kinds = [t.kind for t in response.context["timeline"]]
    assert sorted(set(kinds)) == ["consent", "intervention", "order", "registration"]
    assert response.context["items"][0]["under_warranty"] is True
    assert "Edit profile" not in body  # analyst: read-only


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


@pytest.mark.parametrize("items", ["yes", "no"])
def test_the_export_form_carries_the_pieces_filter(marketer_client, brand, items):
    owner = CustomerFactory(brand=brand, last_name="Owner")
    CustomerFactory(brand=brand, last_name="Nothing")
    ItemFactory(brand=brand, owner=owner, status="sold")
    params = {"items": items, "country": "FR", "page": "1"}
    response = marketer_client.get(url("customer360:list", brand), params)
    assert response.status_code == 200
    form = response.content.decode().split('data-testid="export-form"', 1)[1].split("</form>", 1)[0]
    assert f'<input type="hidden" name="items" value="{items}">' in form
    assert '<input type="hidden" name="country" value="FR">' in form
    assert 'name="page"' not in form
