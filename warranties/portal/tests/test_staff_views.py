"""Brand staff write posts (dashboard); stores handle requests, losses and transfers (intranet)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties.inventory.models import Item
from warranties.models import Intervention
from warranties.portal.models import Post, ServiceRequest
from warranties.portal.tests.factories import PostFactory, ServiceRequestFactory, owned_item

pytestmark = pytest.mark.django_db


def url(name, brand, **kwargs):
    return reverse(f"portal:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


POST_DATA = {
    "kind": "event",
    "title": "Private viewing",
    "body": "Join us",
    "language": "",
    "audience": "collection",
    "audience_value": "Aurore",
    "event_starts_at": "2027-01-15T19:00",
    "event_place": "Paris",
    "capacity": "20",
}


@pytest.mark.parametrize("role", ["owner", "admin", "marketer"])
def test_marketing_roles_create_and_publish_posts(client_for, brand, role):
    client = client_for(brand, role)
    assert client.get(url("staff_post_list", brand)).status_code == 200
    response = client.post(url("staff_post_create", brand), POST_DATA)
    assert response.status_code == 302
    with brand_context(brand):
        post = Post.objects.get()
    assert (post.title, post.capacity, post.is_published, post.created_by_id) == (
        "Private viewing",
        20,
        False,
        client.user.pk,
    )
    client.post(url("staff_post_publish", brand, pk=post.pk), {"publish": "1"})
    with brand_context(brand):
        post.refresh_from_db()
    assert post.is_published and post.published_at is not None


@pytest.mark.parametrize("role", ["analyst", "sales_associate", "retail_manager"])
def test_other_roles_cannot_write_posts(client_for, brand, role):
    client = client_for(brand, role)
    assert client.get(url("staff_post_list", brand)).status_code == 403
    assert client.post(url("staff_post_create", brand), POST_DATA).status_code == 403
    with brand_context(brand):
        assert Post.objects.count() == 0


def test_event_without_date_is_refused(marketer_client, brand):
    response = marketer_client.post(url("staff_post_create", brand), {**POST_DATA, "event_starts_at": ""})
    assert response.status_code == 400
    with brand_context(brand):
        assert Post.objects.count() == 0


def test_another_brands_post_is_404(marketer_client, brand, other_brand):
    foreign = PostFactory(brand=other_brand, is_published=False)
    assert marketer_client.get(url("staff_post_edit", brand, pk=foreign.pk)).status_code == 404
    assert (
        marketer_client.post(url("staff_post_publish", brand, pk=foreign.pk), {"publish": "1"}).status_code
        == 404
    )
    assert marketer_client.get(url("staff_post_list", other_brand)).status_code == 404
    with brand_context(other_brand):
        assert Post.objects.get().is_published is False


def test_post_list_query_count(marketer_client, brand, django_assert_num_queries):
    PostFactory.create_batch(3, brand=brand)
    marketer_client.get(url("staff_post_list", brand))
    with django_assert_num_queries(15):
        marketer_client.get(url("staff_post_list", brand))
    PostFactory.create_batch(3, brand=brand)
    with django_assert_num_queries(15):
        marketer_client.get(url("staff_post_list", brand))


# --- Intranet -------------------------------------------------------------------------------------


@pytest.fixture
def request_at_store(brand, store):
    owner = CustomerFactory(brand=brand)
    item = owned_item(brand=brand, customer=owner)
    return ServiceRequestFactory(brand=brand, item=item, customer=owner, store=store, message="Clasp loose")


def test_store_queue_and_receive(retailer_client, brand, store, request_at_store):
    page = retailer_client.get(url("store_queue", brand))
    assert page.status_code == 200 and "Clasp loose" in page.content.decode()
    response = retailer_client.post(url("store_receive", brand, pk=request_at_store.pk))
    assert response.status_code == 302
    with brand_context(brand):
        request_at_store.refresh_from_db()
        intervention = Intervention.objects.get()
    assert (request_at_store.status, request_at_store.intervention_id) == ("received", intervention.pk)
    assert intervention.created_by_id == retailer_client.user.pk


def test_another_stores_request_is_404(client_for, brand, request_at_store):
    other_store_client = client_for(brand, "sales_associate", StoreFactory(brand=brand))
    assert "Clasp loose" not in other_store_client.get(url("store_queue", brand)).content.decode()
    assert other_store_client.post(url("store_receive", brand, pk=request_at_store.pk)).status_code == 404
    with brand_context(brand):
        assert ServiceRequest.objects.get().status == "requested"


def test_brand_staff_cannot_open_the_store_pages(marketer_client, brand):
    assert marketer_client.get(url("store_queue", brand)).status_code == 403


def test_store_reports_its_own_stock_stolen_and_every_store_sees_it(
    retailer_client, client_for, brand, store
):
    from warranties.inventory.tests.factories import ItemFactory

    item = ItemFactory(brand=brand, status="in_stock", current_store=store)
    response = retailer_client.post(
        url("store_loss", brand), {"query": item.serial, "status": "stolen", "note": "x"}
    )
    assert response.status_code == 302
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "stolen"
    elsewhere = client_for(brand, "retail_manager", StoreFactory(brand=brand))
    assert item.serial in elsewhere.get(url("store_loss", brand)).content.decode()


def test_store_reports_unknown_serial(retailer_client, brand):
    response = retailer_client.post(url("store_loss", brand), {"query": "NOPE", "status": "lost"})
    assert response.status_code == 400 and "No piece of this brand" in response.content.decode()


def test_store_cannot_report_another_brands_item(retailer_client, brand, other_brand):
    foreign = owned_item(brand=other_brand)
    response = retailer_client.post(url("store_loss", brand), {"query": foreign.serial, "status": "stolen"})
    assert response.status_code == 400
    with brand_context(other_brand):
        assert Item.objects.get(pk=foreign.pk).status == "sold"


def test_store_records_a_transfer_with_the_owners_code_and_refuses_stolen(retailer_client, brand):
    from warranties.portal import services

    item = owned_item(brand=brand)
    with brand_context(brand):
        _transfer, code = services.transfer_start(brand=brand, item=item, customer=item.owner, kind="sale")
    response = retailer_client.post(
        url("store_transfer", brand),
        {
            "query": item.public_code,
            "owner_code": code,
            "email": "n@example.test",
            "first_name": "N",
            "last_name": "Ew",
            "kind": "sale",
        },
    )
    assert response.status_code == 302
    with brand_context(brand):
        assert Item.objects.select_related("owner").get(pk=item.pk).owner.email == "n@example.test"
    stolen = owned_item(brand=brand, status="stolen")
    response = retailer_client.post(
        url("store_transfer", brand), {"query": stolen.serial, "email": "m@example.test", "kind": "sale"}
    )
    assert response.status_code == 400 and "lost or stolen" in response.content.decode()
