"""The signed-in owner's pages, through HTTP: content, bad input, cross-brand isolation, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import Consent
from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties.inventory.models import Item
from warranties.portal.models import Rsvp, ServiceRequest, Transfer
from warranties.portal.session import SESSION_KEY
from warranties.portal.tests.factories import (
    InterventionFactory,
    PostFactory,
    owned_item,
    store_transfer_with_code,
)

pytestmark = pytest.mark.django_db


def portal_client(brand, customer) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {str(brand.pk): customer.pk}
    session.save()
    return client


def url(name, brand, **kwargs):
    return reverse(f"portal:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


@pytest.fixture
def owner(brand):
    return CustomerFactory(
        brand=brand, email="owner@example.test", first_name="Ada", language="en", country="FR"
    )


@pytest.fixture
def item(brand, owner):
    item = owned_item(brand=brand, customer=owner)
    InterventionFactory(
        brand=brand,
        item=item,
        store=StoreFactory(brand=brand, city="Nice"),
        kind="repair",
        status="in_workshop",
        received_on=timezone.localdate() - timedelta(days=3),
    )
    return item


@pytest.fixture
def client(brand, owner):
    return portal_client(brand, owner)


def test_my_pieces_list_with_fixed_queries(client, brand, owner, item, django_assert_num_queries):
    owned_item(brand=brand, customer=owner)
    client.get(url("pieces", brand))  # warm the session
    with django_assert_num_queries(11):
        response = client.get(url("pieces", brand))
    assert response.status_code == 200
    assert [s["item"].pk for s in response.context["pieces"]].count(item.pk) == 1
    assert len(response.context["pieces"]) == 2
    assert "In the workshop" in response.content.decode()


def test_piece_page_shows_warranty_interventions_and_next_service(client, brand, item):
    response = client.get(url("piece", brand, pk=item.pk))
    text = response.content.decode()
    assert response.status_code == 200
    summary = response.context["s"]
    assert summary["warranty_valid"] is True
    assert summary["in_progress"].status == "in_workshop"
    sold_on = summary["first_registration"].sold_on
    assert summary["next_service"].year == sold_on.year + 2 and summary["next_service"].month == sold_on.month
    assert "Repair" in text and "Nice" in text


def test_warranty_card_pdf(client, brand, item):
    response = client.get(url("warranty_card", brand, pk=item.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_someone_elses_piece_and_another_brands_piece_are_404(client, brand, other_brand, item):
    mine_not = owned_item(brand=brand)
    foreign = owned_item(brand=other_brand)
    for pk in (mine_not.pk, foreign.pk, 999999):
        for name in ("piece", "warranty_card", "service_request"):
            assert client.get(url(name, brand, pk=pk)).status_code == 404
        assert client.post(url("loss", brand, pk=pk), {"status": "stolen"}).status_code == 404
        assert client.post(url("transfer_start", brand, pk=pk), {"kind": "gift"}).status_code == 404
    with brand_context(brand):
        assert Item.objects.get(pk=mine_not.pk).status == "sold"
        assert Transfer.objects.count() == 0


def test_customer_of_brand_a_cannot_open_brand_b_portal(brand, other_brand, owner, item):
    client = portal_client(brand, owner)
    # Even a forged session naming the same id under brand B finds no customer there.
    session = client.session
    session[SESSION_KEY] = {str(brand.pk): owner.pk, str(other_brand.pk): owner.pk}
    session.save()
    response = client.get(url("pieces", other_brand))
    assert response.status_code == 302 and response["Location"] == url("sign_in", other_brand)


def test_service_request_through_the_form(client, brand, item):
    store = StoreFactory(brand=brand, city="Bordeaux", country="FR")
    page = client.get(url("service_request", brand, pk=item.pk))
    assert "Bordeaux" in page.content.decode()
    response = client.post(
        url("service_request", brand, pk=item.pk), {"store": store.pk, "kind": "service", "message": "Check"}
    )
    assert response.status_code == 302
    with brand_context(brand):
        request = ServiceRequest.objects.get()
    assert (request.store_id, request.kind, request.status) == (store.pk, "service", "requested")


def test_service_request_for_a_piece_i_no_longer_own(client, brand, owner, item, store):

    with brand_context(brand):
        store_transfer_with_code(brand=brand, item=item, store=store, email="new@example.test")
    response = client.post(
        url("service_request", brand, pk=item.pk), {"store": store.pk, "kind": "service"}, follow=True
    )
    assert "no longer registered to you" in response.content.decode()
    with brand_context(brand):
        assert ServiceRequest.objects.count() == 0


def test_report_stolen_and_recover_through_the_pages(client, brand, item):
    client.post(url("loss", brand, pk=item.pk), {"status": "stolen", "note": ""})
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "stolen"
    client.post(url("recovered", brand, pk=item.pk))
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "sold"


def test_transfer_journey_through_the_pages(client, brand, owner, item, django_capture_on_commit_callbacks):
    client.post(url("transfer_start", brand, pk=item.pk), {"kind": "gift"})
    page = client.get(url("piece", brand, pk=item.pk)).content.decode()
    code = re.search(r'data-testid="transfer-code">([0-9A-Z]{4}-[0-9A-Z]{4})<', page).group(1)
    # The code is shown once only.
    assert code not in client.get(url("piece", brand, pk=item.pk)).content.decode()
    newcomer = Client()
    assert code in newcomer.get(url("claim", brand) + f"?code={code}").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = newcomer.post(url("claim", brand), {"code": code, "email": "new@example.test"})
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/portal/\S+/link/\S+/)", mail.outbox[-1].body).group(1)
    assert newcomer.get(link).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = newcomer.post(link)
    assert response.status_code == 302 and response["Location"] == url("pieces", brand)
    assert item.pk in [s["item"].pk for s in newcomer.get(url("pieces", brand)).context["pieces"]]
    # The previous owner has lost access.
    assert client.get(url("piece", brand, pk=item.pk)).status_code == 404


def test_wrong_code_and_own_claim_change_nothing(
    client, brand, owner, item, django_capture_on_commit_callbacks
):
    response = Client().post(url("claim", brand), {"code": "AAAA-BBBB", "email": "x@example.test"})
    assert response.status_code == 400 and "wrong or has expired" in response.content.decode()
    client.post(url("transfer_start", brand, pk=item.pk), {"kind": "sale"})
    code = re.search(
        r'data-testid="transfer-code">([^<]+)<', client.get(url("piece", brand, pk=item.pk)).content.decode()
    ).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("claim", brand), {"code": code, "email": owner.email})
    link = re.search(r"https?://[^/\s]+(/portal/\S+/link/\S+/)", mail.outbox[-1].body).group(1)
    response = client.post(link)
    assert response.status_code == 400 and "already own" in response.content.decode()
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).owner_id == owner.pk
        assert list(Transfer.objects.values_list("status", flat=True)) == ["pending"]


def test_my_data_update_and_consents(client, brand, owner):
    response = client.post(
        url("my_data", brand),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "06 12 34 56 78",
            "address": "",
            "postal_code": "",
            "city": "Paris",
            "country": "FR",
            "language": "fr",
            "consent_email": "on",
        },
    )
    assert response.status_code == 302
    with brand_context(brand):
        owner.refresh_from_db()
        consents = list(Consent.objects.filter(customer=owner).values_list("channel", "is_granted", "source"))
    assert (owner.last_name, owner.phone, owner.language, owner.field_sources["last_name"]) == (
        "Lovelace",
        "+33612345678",
        "fr",
        "portal",
    )
    assert consents == [("email", True, "portal")]
    client.post(
        url("my_data", brand),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "",
            "city": "Paris",
            "country": "FR",
            "language": "fr",
        },
    )
    with brand_context(brand):
        consents = list(
            Consent.objects.filter(customer=owner).order_by("id").values_list("channel", "is_granted")
        )
    assert consents == [("email", True), ("email", False)]


def test_my_data_bad_phone_changes_nothing(client, brand, owner):
    response = client.post(url("my_data", brand), {"first_name": "X", "phone": "12", "language": "en"})
    assert response.status_code == 400
    with brand_context(brand):
        owner.refresh_from_db()
    assert owner.first_name == "Ada"


def test_export_and_delete_account(client, brand, owner, item):
    export = client.get(url("export", brand))
    assert export.status_code == 200 and b"owner@example.test" in export.content
    assert client.post(url("delete_account", brand), {}).status_code == 400
    with brand_context(brand):
        owner.refresh_from_db()
        assert owner.email == "owner@example.test"
    response = client.post(url("delete_account", brand), {"confirm": "on"})
    assert response.status_code == 302
    with brand_context(brand):
        owner.refresh_from_db()
    assert owner.is_pseudonymised and owner.email != "owner@example.test"
    assert client.get(url("pieces", brand)).status_code == 302


def test_news_and_rsvp(client, brand, owner, item):
    event = PostFactory(
        brand=brand,
        kind="event",
        title="Atelier evening",
        capacity=10,
        event_starts_at=timezone.now() + timedelta(days=10),
        event_place="Paris",
    )
    PostFactory(brand=brand, title="Only for watches", audience="category", audience_value="watch")
    news = client.get(url("news", brand)).content.decode()
    assert "Atelier evening" in news and "Only for watches" not in news
    client.post(url("post", brand, pk=event.pk), {"answer": "yes"})
    client.post(url("post", brand, pk=event.pk), {"answer": "yes"})
    with brand_context(brand):
        assert list(Rsvp.objects.values_list("customer_id", "answer")) == [(owner.pk, "yes")]
    page = client.get(url("post", brand, pk=event.pk)).content.decode()
    assert "9 places left" in page


def test_post_of_another_audience_or_brand_is_404(client, brand, other_brand, item):
    hidden = PostFactory(brand=brand, audience="collection", audience_value="Nope")
    foreign = PostFactory(brand=other_brand, kind="event", capacity=3)
    assert client.get(url("post", brand, pk=hidden.pk)).status_code == 404
    assert client.post(url("post", brand, pk=foreign.pk), {"answer": "yes"}).status_code == 404
    with brand_context(other_brand):
        assert Rsvp.objects.count() == 0


def test_service_request_form_marks_required_fields_and_proposes_the_store_of_purchase(client, brand, item):
    StoreFactory(brand=brand, city="Bordeaux", country="FR")
    with brand_context(brand):
        bought_at = item.registrations.get(is_current=True).store
    page = client.get(url("service_request", brand, pk=item.pk))
    form = page.context["form"]
    assert form["store"].value() == bought_at.pk
    body = page.content.decode()
    assert re.search(rf'<option value="{bought_at.pk}" selected>', body)
    assert body.count('<span class="required" aria-hidden="true">*</span>') == 2  # store and service
    assert "Message to the store (optional)</label>" in body
