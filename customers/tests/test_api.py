"""Batch upsert API of customers and orders."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.models import Consent, Customer, ExchangeRate, Order, OrderLine
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.accounts.services import api_key_create
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory

pytestmark = pytest.mark.django_db


def api(brand):
    client = APIClient()
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="ERP")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


CUSTOMERS = "/api/v1/{}/customers/batch/"
ORDERS = "/api/v1/{}/orders/batch/"


def test_customer_batch_creates_updates_reports_and_is_idempotent(brand):
    store = StoreFactory(brand=brand, code="PAR-VDM")
    existing = CustomerFactory(brand=brand, email="known@example.test", external_id="")
    client = api(brand)
    records = [
        {
            "external_id": "C1",
            "first_name": "Ana",
            "last_name": "David",
            "email": " Ana@Example.TEST",
            "phone": "079 438 26 83",
            "country": "ch",
            "home_store": "PAR-VDM",
            "birth_date": "1990-12-26",
            "consents": [
                {"channel": "email", "is_granted": True, "is_confirmed": True, "wording_version": "v1"}
            ],
        },
        {"external_id": "C2", "first_name": "Known", "email": "known@example.test"},
        {"external_id": "C3", "email": "not-an-email", "phone": "12"},
        {"external_id": "C4", "first_name": "No contact"},
        {
            "external_id": "C5",
            "email": "e@example.test",
            "home_store": "NOPE",
            "consents": [{"channel": "fax"}],
        },
    ]
    response = client.post(CUSTOMERS.format(brand.slug), {"source": "erp", "records": records}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert [(r["external_id"], r["status"]) for r in body["results"]] == [
        ("C1", "created"),
        ("C2", "updated"),
        ("C3", "error"),
        ("C4", "error"),
        ("C5", "error"),
    ]
    assert (body["created"], body["updated"], body["unchanged"], body["error"]) == (1, 1, 0, 3)
    assert set(body["results"][2]["errors"]) == {"email", "phone"}
    assert set(body["results"][3]["errors"]) == {"email"}
    assert set(body["results"][4]["errors"]) == {"home_store", "consents.0.channel", "consents.0.is_granted"}
    assert body["results"][1]["id"] == existing.pk
    with brand_context(brand):
        ana = Customer.objects.get(external_id="C1")
        assert (ana.email, ana.phone, ana.country.code, ana.home_store_id) == (
            "ana@example.test",
            "+41794382683",
            "CH",
            store.pk,
        )
        assert ana.field_sources["email"] == "erp"
        assert Consent.objects.filter(customer=ana, is_confirmed=True, source="api").count() == 1
        assert Customer.objects.count() == 2

    again = client.post(
        CUSTOMERS.format(brand.slug), {"source": "erp", "records": records[:2]}, format="json"
    ).json()
    assert [r["status"] for r in again["results"]] == ["unchanged", "unchanged"]
    with brand_context(brand):
        assert Consent.objects.count() == 1
        assert AuditLog.objects.filter(action="customer.batch_upsert").count() == 2


def test_customer_batch_refuses_a_bad_body_and_too_many_records(brand):
    client = api(brand)
    assert client.post(CUSTOMERS.format(brand.slug), {"records": "x"}, format="json").status_code == 400
    too_many = [{"external_id": f"C{i}", "email": f"c{i}@example.test"} for i in range(1001)]
    response = client.post(CUSTOMERS.format(brand.slug), {"records": too_many}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    with brand_context(brand):
        assert not Customer.objects.exists()


def test_duplicate_external_id_in_one_batch_is_an_error(brand):
    records = [
        {"external_id": "C1", "email": "a@example.test"},
        {"external_id": "C1", "email": "b@example.test"},
    ]
    body = api(brand).post(CUSTOMERS.format(brand.slug), {"records": records}, format="json").json()
    assert [r["status"] for r in body["results"]] == ["created", "error"]


def test_order_batch_with_lines_customer_matching_conversion_and_idempotency(other_brand):
    brand = other_brand  # CHF
    ExchangeRate.objects.create(currency="CHF", date=date(2026, 1, 1), rate_to_eur=Decimal("1.25"))
    customer = CustomerFactory(brand=brand, external_id="C1", email="ana@example.test")
    product = ProductFactory(brand=brand, reference="BA-1009")
    records = [
        {
            "source": "eshop",
            "external_id": "#1001",
            "email": "ANA@example.test",
            "ordered_at": "2026-03-29T15:09:00+01:00",
            "currency": "eur",
            "total": "1000.00",
            "status": "partially_refunded",
            "refunded_amount": "200.00",
            "lines": [{"sku": "BA-1009", "name": "Bague", "quantity": 2, "unit_price": "500.00"}],
        },
        {
            "source": "erp",
            "external_id": "E-1",
            "customer_external_id": "C1",
            "ordered_at": "2026-03-01T10:00:00Z",
            "currency": "CHF",
            "total": "300.00",
        },
        {
            "source": "erp",
            "external_id": "E-2",
            "customer_external_id": "NOPE",
            "ordered_at": "2026-03-01T10:00:00Z",
            "currency": "CHF",
            "total": "300.00",
        },
        {"source": "erp", "external_id": "E-3", "ordered_at": "yesterday", "currency": "XXX", "total": "1"},
    ]
    client = api(brand)
    body = client.post(ORDERS.format(brand.slug), {"records": records}, format="json").json()
    assert [(r["external_id"], r["status"]) for r in body["results"]] == [
        ("#1001", "created"),
        ("E-1", "created"),
        ("E-2", "error"),
        ("E-3", "error"),
    ]
    assert set(body["results"][3]["errors"]) == {"ordered_at", "currency"}
    with brand_context(brand):
        web = Order.objects.get(external_id="#1001")
        assert (web.customer_id, web.channel, web.total_brand_currency) == (
            customer.pk,
            "web",
            Decimal("800.00"),
        )
        assert list(OrderLine.objects.filter(order=web).values_list("product_id", "quantity", "total")) == [
            (product.pk, 2, Decimal("1000.00"))
        ]
        assert Order.objects.get(external_id="E-1").total_brand_currency == Decimal("300.00")
    again = client.post(ORDERS.format(brand.slug), {"records": records[:2]}, format="json").json()
    assert [r["status"] for r in again["results"]] == ["unchanged", "unchanged"]


def test_api_key_of_another_brand_cannot_write(brand, other_brand):
    client = api(other_brand)
    response = client.post(
        CUSTOMERS.format(brand.slug),
        {"records": [{"external_id": "C1", "email": "a@example.test"}]},
        format="json",
    )
    assert response.status_code == 404
    with brand_context(brand):
        assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("owner", 200), ("marketer", 200), ("analyst", 403), ("sales_associate", 403)]
)
def test_session_callers_need_a_writing_role(client_for, brand, role, expected):
    client = client_for(brand, role)
    response = client.post(
        CUSTOMERS.format(brand.slug),
        {"records": [{"external_id": "C1", "email": "a@example.test"}]},
        content_type="application/json",
    )
    assert response.status_code == expected
    with brand_context(brand):
        assert Customer.objects.count() == (1 if expected == 200 else 0)


def test_schema_documents_the_batch_endpoints(owner_client):
    schema = owner_client.get("/api/schema/").content.decode()
    assert "customers_batch_upsert" in schema and "orders_batch_upsert" in schema
