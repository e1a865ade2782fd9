import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from customers.models import Customer
from jewelcrm.accounts.models import AuditLog
from jewelcrm.accounts.services import api_key_create
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Intervention, ItemEvent, Registration, WarrantyClaim
from warranties.tests.factories import InterventionFactory, RegistrationFactory, WarrantyClaimFactory

pytestmark = pytest.mark.django_db


def api_client(brand):
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="POS")
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


@pytest.fixture
def api(brand):
    return api_client(brand)


def body(item_, store_, **kw):
    data = {
        "serial": item_.serial,
        "store": store_.code,
        "price_paid": "990.00",
        "currency": "EUR",
        "customer": {
            "email": "pos@example.test",
            "first_name": "Léo",
            "last_name": "Blanc",
            "language": "fr",
        },
        "consents": ["email", "post"],
    }
    data.update(kw)
    return data


def post(client, brand, path, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/{brand.slug}/{path}", data=json.dumps(data), content_type="application/json", **headers
    )


def count(brand, model):
    with brand_context(brand):
        return model.objects.count()


@pytest.fixture
def item(brand, store):
    return ItemFactory(brand=brand, current_store=store)


def test_register_through_api_then_replay_and_conflict(api, brand, store, item):
    first = post(api, brand, "registrations/", body(item, store), key="sale-001")
    assert first.status_code == 201, first.content
    payload = first.json()
    assert payload["serial"] == item.serial and payload["store"] == store.code
    assert (
        payload["price_paid"] == "990.00" and payload["currency"] == "EUR" and payload["is_current"] is True
    )
    replay = post(api, brand, "registrations/", body(item, store), key="sale-001")
    assert replay.status_code == 200 and replay.json() == payload
    conflict = post(api, brand, "registrations/", body(item, store, price_paid="1.00"), key="sale-001")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_key_reused"
    assert count(brand, Registration) == 1
    with brand_context(brand):
        registration = Registration.objects.get()
        assert registration.associate_id is None and registration.idempotency_key == "sale-001"
        assert {c.channel for c in registration.customer.consents.filter(is_granted=True)} == {
            "email",
            "post",
        }


def test_idempotency_key_is_required(api, brand, store, item):
    response = post(api, brand, "registrations/", body(item, store))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "Idempotency-Key" in response.json()["errors"]
    assert count(brand, Registration) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "ZZZ"}, "currency"),
        ({"store": "NOPE"}, "store"),
        ({"serial": "UNKNOWN-1"}, "serial"),
        ({"customer": {"email": "broken@", "first_name": "A", "last_name": "B"}}, "customer.email"),
        ({"customer": {"phone": "123", "first_name": "A", "last_name": "B"}}, "customer.phone"),
        ({"customer": {"email": "new@example.test"}}, "customer.first_name"),
        ({"consents": ["pigeon"]}, "consents"),
    ],
)
def test_bad_input_is_400_with_reason_and_writes_nothing(api, brand, store, item, change, field):
    response = post(api, brand, "registrations/", body(item, store, **change), key="k-bad")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert count(brand, Registration) == 0 and count(brand, Customer) == 0


def test_other_brand_serial_answers_like_unknown(api, brand, other_brand, store):
    foreign = ItemFactory(brand=other_brand)
    unknown = post(api, brand, "registrations/", body(foreign, store, serial="UNKNOWN-1"), key="k1").json()
    other = post(api, brand, "registrations/", body(foreign, store), key="k2").json()
    assert unknown == other


def test_sold_item_is_409(api, brand, store):
    registration = RegistrationFactory(brand=brand, store=store)
    response = post(api, brand, "registrations/", body(registration.item, store), key="k-sold")
    assert response.status_code == 409 and response.json()["code"] == "item_already_sold"
    assert count(brand, Registration) == 1


def test_stolen_item_is_refused_and_alert_kept(api, brand, store):
    stolen = ItemFactory(brand=brand, current_store=store, status="stolen")
    response = post(api, brand, "registrations/", body(stolen, store), key="k-stolen")
    assert response.status_code == 409 and response.json()["code"] == "item_flagged"
    assert count(brand, Registration) == 0 and count(brand, Customer) == 0
    with brand_context(brand):
        assert AuditLog.objects.filter(action="item.flagged_sale_attempt").count() == 1
        assert ItemEvent.objects.filter(kind="flagged_sale_attempt").count() == 1


def test_api_key_of_another_brand_is_404(brand, other_brand, store, item):
    foreign_key = api_client(other_brand)
    response = post(foreign_key, brand, "registrations/", body(item, store), key="x")
    assert response.status_code == 404
    assert foreign_key.get(f"/api/v1/{brand.slug}/registrations/").status_code == 404
    assert count(brand, Registration) == 0


def test_no_credentials_is_401_or_403(brand, store, item):
    response = post(Client(), brand, "registrations/", body(item, store), key="x")
    assert response.status_code in (401, 403)


def test_list_and_retrieve(api, brand, other_brand, django_assert_max_num_queries):
    mine = [RegistrationFactory(brand=brand) for _ in range(3)]
    foreign = RegistrationFactory(brand=other_brand)
    with django_assert_max_num_queries(13):
        response = api.get(f"/api/v1/{brand.slug}/registrations/")
    assert response.json()["count"] == 3
    assert {r["id"] for r in response.json()["results"]} == {r.pk for r in mine}
    assert (
        api.get(f"/api/v1/{brand.slug}/registrations/{mine[0].pk}/").json()["serial"] == mine[0].item.serial
    )
    assert api.get(f"/api/v1/{brand.slug}/registrations/{foreign.pk}/").status_code == 404


def test_list_query_count_does_not_grow(api, brand, django_assert_num_queries):
    RegistrationFactory(brand=brand)
    api.get(f"/api/v1/{brand.slug}/registrations/")
    with django_assert_num_queries(8) as first:  # the warm-up call above recorded the key's use
        api.get(f"/api/v1/{brand.slug}/registrations/")
    for _i in range(4):
        RegistrationFactory(brand=brand)
    with django_assert_num_queries(len(first.captured_queries)):
        api.get(f"/api/v1/{brand.slug}/registrations/")


def test_a_sale_by_printed_code_in_another_store_is_registered_and_flagged(api, brand, store, item):
    """The code printed on the piece finds it too (read under its lock), and the store it was shipped to is
    read only when another store sells it: the grey-market flag."""
    other = StoreFactory(brand=brand, country="CH", currency="CHF", market="CH", city="Genève")
    printed = item.public_code.lower().replace("-", " ")
    sale = body(item, other, serial=printed, currency="CHF")
    response = post(api, brand, "registrations/", sale, key="g-1")
    assert response.status_code == 201, response.content
    assert response.json()["serial"] == item.serial
    with brand_context(brand):
        registration = Registration.objects.get(item=item)
        assert registration.is_grey_market is True
        assert other.code in registration.grey_market_reason and store.code in registration.grey_market_reason
        assert ItemEvent.objects.filter(item=item, kind="grey_market").count() == 1


def test_a_sale_through_the_api_costs_a_fixed_number_of_statements(
    api, brand, store, django_assert_num_queries
):
    """The point-of-sale hot path: the brand and key, the replay check, the store, the item under its lock,
    the customer search; then in a savepoint the replay check again under the lock and the writes
    (customer and its search terms, order and line, registration, item, timeline, the consents in one
    statement, audit, the confirmation e-mail in the send log), and the customer's rank in the client books
    (ADR 0049: one statement when created, two after the order).
    Inside the test's transaction the brand scope is a savepoint too and puts the enclosing setting back,
    which a real call, a transaction of its own, does not."""
    warm = ItemFactory(brand=brand, current_store=store)
    post(api, brand, "registrations/", body(warm, store, customer={**body(warm, store)["customer"]}), key="w")
    fresh = ItemFactory(brand=brand, current_store=store)
    new_customer = {"email": "new@example.test", "first_name": "Ana", "last_name": "Roux", "language": "fr"}
    with django_assert_num_queries(26) as captured:
        response = post(api, brand, "registrations/", body(fresh, store, customer=new_customer), key="n")
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum(sql.startswith('INSERT INTO "customers_consent"') for sql in statements) == 1
    # The new customer's search terms are written in the same call (one statement; on Citus a read, then
    # plain inserts of its rows).
    with brand_context(brand):
        from customers.models import SearchTerm

        assert SearchTerm.objects.filter(brand=brand, customer__email="new@example.test").exists()
    assert sum(sql.startswith('SELECT "inventory_item"') for sql in statements) == 1
    assert sum("SET LOCAL jewelcrm.brand_id" in sql for sql in statements) == 2
    assert sum(sql.startswith('INSERT INTO "messaging_message"') for sql in statements) == 1


# --- Session callers per role ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["sales_associate", "retail_manager"])
def test_retail_session_registers_for_own_store(client_for, brand, store, item, role):
    client = client_for(brand, role, store)
    other_store = StoreFactory(brand=brand)
    response = post(client, brand, "registrations/", body(item, other_store), key=f"s-{role}")
    assert response.status_code == 201
    assert response.json()["store"] == store.code  # the member's store, whatever the body says


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_read_only_roles_cannot_register(client_for, brand, store, item, role):
    client = client_for(brand, role)
    assert post(client, brand, "registrations/", body(item, store), key="r").status_code == 403
    assert client.get(f"/api/v1/{brand.slug}/registrations/").status_code == 200
    assert count(brand, Registration) == 0


def test_retail_session_sees_only_its_store(client_for, brand, store):
    mine = RegistrationFactory(brand=brand, store=store)
    other = RegistrationFactory(brand=brand)
    client = client_for(brand, "sales_associate", store)
    ids = {r["id"] for r in client.get(f"/api/v1/{brand.slug}/registrations/").json()["results"]}
    assert ids == {mine.pk}
    assert client.get(f"/api/v1/{brand.slug}/registrations/{other.pk}/").status_code == 404


# --- Interventions and claims ---------------------------------------------------------------------


def test_intervention_and_claim_flow(api, brand, store):
    registration = RegistrationFactory(
        brand=brand, store=store, sold_on=timezone.localdate() - timedelta(days=20)
    )
    created = post(
        api,
        brand,
        "interventions/",
        {
            "serial": registration.item.serial,
            "store": store.code,
            "kind": "stone_replacement",
            "received_on": timezone.localdate().isoformat(),
            "labour_cost": "70.00",
            "parts_cost": "130.00",
        },
    )
    assert created.status_code == 201, created.content
    intervention_id = created.json()["id"]
    assert created.json()["is_under_warranty"] is True
    moved = post(api, brand, f"interventions/{intervention_id}/status/", {"status": "in_workshop"})
    assert moved.status_code == 200 and moved.json()["status"] == "in_workshop"
    backwards = post(api, brand, f"interventions/{intervention_id}/status/", {"status": "received"})
    assert backwards.status_code == 400
    claim = post(
        api, brand, "claims/", {"intervention": intervention_id, "labour_amount": "70", "parts_amount": "130"}
    )
    assert claim.status_code == 201 and claim.json()["status"] == "submitted"
    again = post(
        api, brand, "claims/", {"intervention": intervention_id, "labour_amount": "1", "parts_amount": "0"}
    )
    assert again.status_code == 400
    decided = post(
        api,
        brand,
        f"claims/{claim.json()['id']}/decision/",
        {"decision": "partial", "amount": "150", "reason": "Labour rate capped"},
    )
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["approved_amount"]) == ("partially_approved", "150.00")
    twice = post(api, brand, f"claims/{claim.json()['id']}/decision/", {"decision": "approve"})
    assert twice.status_code == 409


def test_claim_outside_warranty_is_400(api, brand, store):
    registration = RegistrationFactory(
        brand=brand, store=store, sold_on=timezone.localdate() - timedelta(days=1000)
    )
    intervention = InterventionFactory(
        brand=brand, store=store, item=registration.item, is_under_warranty=False
    )
    response = post(
        api, brand, "claims/", {"intervention": intervention.pk, "labour_amount": "10", "parts_amount": "0"}
    )
    assert response.status_code == 400 and "not under warranty" in json.dumps(response.json())
    assert count(brand, WarrantyClaim) == 0


def test_intervention_for_stolen_item_is_400(api, brand, store):
    stolen = ItemFactory(brand=brand, current_store=store, status="stolen")
    response = post(
        api,
        brand,
        "interventions/",
        {
            "serial": stolen.serial,
            "store": store.code,
            "kind": "repair",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400 and count(brand, Intervention) == 0


@pytest.mark.parametrize("role", ["sales_associate", "marketer", "analyst"])
def test_claim_decision_roles(client_for, brand, store, role):
    claim = WarrantyClaimFactory(brand=brand)
    client = client_for(brand, role, store if role == "sales_associate" else None)
    response = post(client, brand, f"claims/{claim.pk}/decision/", {"decision": "approve"})
    assert response.status_code == 403
    with brand_context(brand):
        claim.refresh_from_db()
    assert claim.status == "submitted" and claim.approved_amount is None


def test_admin_session_decides(client_for, brand):
    claim = WarrantyClaimFactory(brand=brand)
    response = post(
        client_for(brand, "admin"),
        brand,
        f"claims/{claim.pk}/decision/",
        {"decision": "reject", "reason": "Water damage"},
    )
    assert response.status_code == 200 and response.json()["approved_amount"] == "0.00"


def test_foreign_claim_and_intervention_are_404(api, brand, other_brand):
    claim = WarrantyClaimFactory(brand=other_brand)
    assert post(api, brand, f"claims/{claim.pk}/decision/", {"decision": "approve"}).status_code == 404
    assert api.get(f"/api/v1/{brand.slug}/interventions/{claim.intervention_id}/").status_code == 404
    response = post(
        api,
        brand,
        "claims/",
        {"intervention": claim.intervention_id, "labour_amount": "1", "parts_amount": "0"},
    )
    assert response.status_code == 400
    with brand_context(other_brand):
        assert WarrantyClaim.objects.count() == 1


def test_schema_documents_api_key_scheme(owner_client):
    response = owner_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["in"] == "header"
    assert "/api/v1/{brand_slug}/registrations/" in schema["paths"]


def test_amounts_are_decimal_strings(api, brand):
    claim = WarrantyClaimFactory(brand=brand, labour_amount=Decimal("12.50"))
    listed = api.get(f"/api/v1/{brand.slug}/claims/").json()["results"][0]
    assert listed["id"] == claim.pk and listed["labour_amount"] == "12.50"


@pytest.mark.parametrize("path", ["interventions/", "claims/"])
def test_intervention_and_claim_lists_have_fixed_query_counts(api, brand, path, django_assert_num_queries):
    WarrantyClaimFactory(brand=brand)
    api.get(f"/api/v1/{brand.slug}/{path}")
    with django_assert_num_queries(9 if path == "interventions/" else 8) as first:
        api.get(f"/api/v1/{brand.slug}/{path}")
    for _i in range(4):
        WarrantyClaimFactory(brand=brand)
    with django_assert_num_queries(len(first.captured_queries)):
        response = api.get(f"/api/v1/{brand.slug}/{path}")
    assert response.json()["count"] == 5


def test_retail_session_logs_intervention_for_own_store(client_for, brand, store):
    registration = RegistrationFactory(brand=brand, store=StoreFactory(brand=brand))
    client = client_for(brand, "sales_associate", store)
    response = post(
        client,
        brand,
        "interventions/",
        {
            "serial": registration.item.serial,
            "kind": "cleaning",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 201 and response.json()["store"] == store.code


def test_future_sale_date_is_refused(api, brand, store, item):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = post(api, brand, "registrations/", body(item, store, sold_on=tomorrow), key="k-future")
    assert response.status_code == 400 and "sold_on" in response.json()["errors"]
    assert count(brand, Registration) == 0
