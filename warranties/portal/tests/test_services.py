"""Services of the portal: transfers, lost/stolen, service requests, RSVPs. Refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Customer
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, ProductFactory, StoreFactory, UserFactory
from warranties.inventory.models import Item
from warranties.models import Intervention, ItemEvent, Registration
from warranties.portal import services
from warranties.portal.models import Rsvp, ServiceRequest, Transfer
from warranties.portal.tests.factories import PostFactory, owned_item, store_transfer_with_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(brand):
    return CustomerFactory(brand=brand, email="owner@example.test", language="en")


@pytest.fixture
def item(brand, owner):
    return owned_item(brand=brand, customer=owner)


def _snapshot(brand, item):
    with brand_context(brand):
        fresh = Item.objects.get(pk=item.pk)
        return (
            fresh.owner_id,
            fresh.status,
            Registration.objects.filter(item=item).count(),
            ItemEvent.objects.filter(item=item).count(),
            list(Transfer.objects.filter(item=item).values_list("status", flat=True).order_by("pk")),
        )


# --- Transfer -------------------------------------------------------------------------------------


def test_transfer_start_then_accept_moves_ownership(brand, owner, item, django_capture_on_commit_callbacks):
    with brand_context(brand):
        transfer, code = services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
        assert len(code) == 9 and code[4] == "-"
        assert transfer.code_hash != code and code not in transfer.code_hash
        assert services.transfer_find(brand=brand, code=code.lower().replace("-", " ")) == transfer
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        new_owner = services.transfer_accept(brand=brand, transfer=transfer, email="new@example.test")
    with brand_context(brand):
        item.refresh_from_db()
        transfer.refresh_from_db()
        current = Registration.objects.get(item=item, is_current=True)
        first = Registration.objects.get(item=item, is_current=False)
    assert item.owner_id == new_owner.pk and new_owner.email == "new@example.test"
    assert current.customer_id == new_owner.pk and current.warranty_ends_on == first.warranty_ends_on
    assert (transfer.status, transfer.to_customer_id) == ("accepted", new_owner.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["new@example.test", "owner@example.test"]


def test_transfer_accept_finds_an_existing_customer(brand, owner, item):
    existing = CustomerFactory(brand=brand, email="known@example.test")
    with brand_context(brand):
        transfer, _code = services.transfer_start(brand=brand, item=item, customer=owner, kind="sale")
        new_owner = services.transfer_accept(brand=brand, transfer=transfer, email="known@example.test")
        assert Customer.objects.filter(email="known@example.test").count() == 1
    assert new_owner.pk == existing.pk


def test_owner_claiming_their_own_transfer_changes_nothing(brand, owner, item):
    with brand_context(brand):
        transfer, _code = services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
    before = _snapshot(brand, item)
    with brand_context(brand), pytest.raises(ValidationError, match="already own"):
        services.transfer_accept(brand=brand, transfer=transfer, email=owner.email)
    assert _snapshot(brand, item) == before


def test_expired_or_wrong_code(brand, owner, item):
    with brand_context(brand):
        transfer, code = services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
        assert services.transfer_find(brand=brand, code="ZZZZ-ZZZZ") is None
        assert services.transfer_find(brand=brand, code="nonsense") is None
        Transfer.objects.filter(pk=transfer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        assert services.transfer_find(brand=brand, code=code) is None
    before = _snapshot(brand, item)
    with brand_context(brand), pytest.raises(ValidationError, match="wrong or has expired"):
        services.transfer_accept(brand=brand, transfer=transfer, email="new@example.test")
    with brand_context(brand), pytest.raises(ValidationError, match="wrong or has expired"):
        services.transfer_claim_request(brand=brand, code=code, email="new@example.test")
    assert _snapshot(brand, item) == before


def test_code_of_another_brand_is_unknown(brand, other_brand, owner, item):
    with brand_context(brand):
        _transfer, code = services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
    with brand_context(other_brand):
        assert services.transfer_find(brand=other_brand, code=code) is None


def test_stolen_item_cannot_be_transferred(brand, owner, item):
    with brand_context(brand):
        transfer, _code = services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
        services.item_report_loss(brand=brand, item=item, status="stolen", customer=owner)
        transfer.refresh_from_db()
    # A piece reported lost or stolen keeps no pending transfer.
    assert transfer.status == "cancelled"
    before = _snapshot(brand, item)
    with brand_context(brand), pytest.raises(ValidationError, match="wrong or has expired"):
        services.transfer_accept(brand=brand, transfer=transfer, email="new@example.test")
    with brand_context(brand), pytest.raises(ValidationError, match="lost or stolen"):
        services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
    assert _snapshot(brand, item) == before


def test_transfer_of_a_piece_no_longer_mine(brand, owner, item):
    someone = CustomerFactory(brand=brand)
    before = _snapshot(brand, item)
    with brand_context(brand), pytest.raises(ValidationError, match="no longer registered to you"):
        services.transfer_start(brand=brand, item=item, customer=someone, kind="gift")
    assert _snapshot(brand, item) == before


def test_a_new_transfer_cancels_the_pending_one(brand, owner, item):
    with brand_context(brand):
        first, code1 = services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
        _second, code2 = services.transfer_start(brand=brand, item=item, customer=owner, kind="sale")
        assert services.transfer_find(brand=brand, code=code1) is None
        assert services.transfer_find(brand=brand, code=code2) is not None
        first.refresh_from_db()
    assert first.status == "cancelled"


def test_store_records_a_transfer_with_the_owners_code(brand, owner, item, store):
    staff = UserFactory()
    with brand_context(brand):
        transfer = store_transfer_with_code(
            brand=brand, item=item, store=store, actor=staff, email="Buyer@Example.test"
        )
        item.refresh_from_db()
        new_email = item.owner.email
    assert new_email == "buyer@example.test" and transfer.store_id == store.pk
    assert (transfer.status, transfer.from_customer_id) == ("accepted", owner.pk)
    with brand_context(brand), pytest.raises(ValidationError, match="already owns"):
        services.transfer_record_in_store(
            brand=brand, item=item, store=store, actor=staff, email="buyer@example.test"
        )


# --- Lost or stolen -------------------------------------------------------------------------------


def test_report_stolen_then_recovered(brand, owner, item, django_capture_on_commit_callbacks):
    admin = MembershipFactory(brand=brand, role="admin", user=UserFactory(email="admin@brand.test"))
    MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="marketer@brand.test"))
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        services.item_report_loss(
            brand=brand, item=item, status="stolen", customer=owner, note="On the train"
        )
    with brand_context(brand):
        item.refresh_from_db()
        event = ItemEvent.objects.filter(item=item).latest("id")
        audit = AuditLog.objects.filter(action="item.reported_stolen").get()
    assert (item.status, item.status_before_loss) == ("stolen", "sold")
    assert (event.kind, event.is_public) == ("reported_stolen", True)
    assert audit.object_id == str(item.pk)
    # The brand's owners and admins, and the owner.
    assert [m.to for m in mail.outbox] == [[admin.user.email], [owner.email]]
    with brand_context(brand), pytest.raises(ValidationError, match="already reported"):
        services.item_report_loss(brand=brand, item=item, status="lost", customer=owner)
    with brand_context(brand):
        services.item_mark_recovered(brand=brand, item=item, customer=owner)
        item.refresh_from_db()
    assert (item.status, item.status_before_loss) == ("sold", "")


def test_report_by_someone_else_changes_nothing(brand, owner, item):
    stranger = CustomerFactory(brand=brand)
    with brand_context(brand), pytest.raises(ValidationError):
        services.item_report_loss(brand=brand, item=item, status="lost", customer=stranger)
    with brand_context(brand), pytest.raises(ValidationError):
        services.item_report_loss(brand=brand, item=item, status="destroyed", customer=owner)
    with brand_context(brand):
        item.refresh_from_db()
    assert item.status == "sold"


# --- Service requests -----------------------------------------------------------------------------


def test_service_request_becomes_an_intervention_when_received(brand, owner, item, store):
    staff = UserFactory()
    with brand_context(brand):
        request = services.service_request_create(
            brand=brand, customer=owner, item=item, store=store, kind="service", message="It runs late"
        )
        received = services.service_request_receive(
            brand=brand, service_request=request, store=store, actor=staff
        )
        intervention = Intervention.objects.get(item=item)
    assert (received.status, received.intervention_id) == ("received", intervention.pk)
    assert (intervention.kind, intervention.store_id, intervention.description) == (
        "service",
        store.pk,
        "It runs late",
    )
    with brand_context(brand), pytest.raises(ValidationError):
        services.service_request_receive(brand=brand, service_request=request, store=store, actor=staff)


def test_service_request_for_a_piece_no_longer_mine_changes_nothing(brand, owner, item, store):
    with brand_context(brand):
        store_transfer_with_code(brand=brand, item=item, store=store, email="b@example.test")
    with brand_context(brand), pytest.raises(ValidationError, match="no longer registered to you"):
        services.service_request_create(brand=brand, customer=owner, item=item, store=store, kind="service")
    with brand_context(brand):
        assert ServiceRequest.objects.count() == 0


def test_service_request_refuses_another_store_and_other_brands_store(brand, other_brand, owner, item):
    foreign = StoreFactory(brand=other_brand)
    with brand_context(brand), pytest.raises(ValidationError):
        services.service_request_create(brand=brand, customer=owner, item=item, store=foreign, kind="service")
    store = StoreFactory(brand=brand)
    other_store = StoreFactory(brand=brand)
    with brand_context(brand):
        request = services.service_request_create(
            brand=brand, customer=owner, item=item, store=store, kind="repair"
        )
        with pytest.raises(ValidationError):
            services.service_request_receive(
                brand=brand, service_request=request, store=other_store, actor=None
            )
        assert Intervention.objects.count() == 0


# --- Posts and RSVPs ------------------------------------------------------------------------------


def test_rsvp_is_idempotent_and_respects_capacity(brand):
    event = PostFactory(
        brand=brand, kind="event", capacity=1, event_starts_at=timezone.now() + timedelta(days=9)
    )
    first, second = CustomerFactory(brand=brand), CustomerFactory(brand=brand)
    with brand_context(brand):
        services.rsvp_answer(brand=brand, post=event, customer=first, answer="yes")
        services.rsvp_answer(brand=brand, post=event, customer=first, answer="yes")
        with pytest.raises(ValidationError, match="full"):
            services.rsvp_answer(brand=brand, post=event, customer=second, answer="yes")
        services.rsvp_answer(brand=brand, post=event, customer=second, answer="no")
        services.rsvp_answer(brand=brand, post=event, customer=first, answer="no")
        services.rsvp_answer(brand=brand, post=event, customer=second, answer="yes")
        answers = dict(Rsvp.objects.values_list("customer_id", "answer"))
    assert answers == {first.pk: "no", second.pk: "yes"}


def test_rsvp_to_a_news_post_is_refused(brand):
    news = PostFactory(brand=brand, kind="news")
    with brand_context(brand), pytest.raises(ValidationError):
        services.rsvp_answer(brand=brand, post=news, customer=CustomerFactory(brand=brand), answer="yes")


def test_posts_reach_only_their_audience(brand):
    from warranties.portal.selectors import post_list_for_owner

    aurore = ProductFactory(brand=brand, collection="Aurore", category="ring")
    ocean = ProductFactory(brand=brand, collection="Océan", category="watch")
    ring_owner, watch_owner = (
        CustomerFactory(brand=brand, language="en"),
        CustomerFactory(brand=brand, language="en"),
    )
    owned_item(brand=brand, customer=ring_owner, product=aurore)
    owned_item(brand=brand, customer=watch_owner, product=ocean)
    everyone = PostFactory(brand=brand, title="All")
    PostFactory(brand=brand, title="Aurore", audience="collection", audience_value="Aurore")
    PostFactory(brand=brand, title="Watches", audience="category", audience_value="watch")
    PostFactory(brand=brand, title="Draft", is_published=False)
    PostFactory(brand=brand, title="French", language="fr")
    with brand_context(brand):
        ring_titles = sorted(
            post_list_for_owner(brand=brand, customer=ring_owner).values_list("title", flat=True)
        )
        watch_titles = sorted(
            post_list_for_owner(brand=brand, customer=watch_owner).values_list("title", flat=True)
        )
    assert ring_titles == ["All", "Aurore"]
    assert watch_titles == ["All", "Watches"]
    assert everyone.pk
