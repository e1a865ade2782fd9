"""Ownership and theft: a store changes the owner or the lost/stolen state of a piece only with its owner's
consent (their transfer code, or the link e-mailed to them), or for a piece of its own stock; the brand
may; every change is audited and alerts the owner and the brand; a lost piece keeps nothing pending."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import Customer
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, StoreFactory, UserFactory
from warranties.inventory.models import Item
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Registration
from warranties.portal import services
from warranties.portal.models import OwnerApproval, Transfer
from warranties.portal.tests.factories import owned_item

pytestmark = pytest.mark.django_db


def url(name, brand, **kwargs):
    return reverse(f"portal:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


@pytest.fixture
def owner(brand):
    return CustomerFactory(brand=brand, email="owner@example.test", language="fr")


@pytest.fixture
def selling_store(brand):
    return StoreFactory(brand=brand, name="Boutique Lyon", city="Lyon")


@pytest.fixture
def item(brand, owner, selling_store):
    return owned_item(brand=brand, customer=owner, store=selling_store)


@pytest.fixture
def admin(brand):
    return MembershipFactory(
        brand=brand, role="admin", user=UserFactory(email="admin@brand.test", language="en")
    )


def _state(brand, item):
    with brand_context(brand):
        fresh = Item.objects.get(pk=item.pk)
        return (
            fresh.owner_id,
            fresh.status,
            Registration.objects.filter(item=item).count(),
            Customer.objects.count(),
        )


def _link(message) -> str:
    """The path of the confirmation link of an e-mail."""
    found = re.search(r"https?://[^/\s]+(/\S*approve/\d+/\w+/)", message.body)
    assert found, message.body
    return found.group(1)


def _recipients():
    return [m.to for m in mail.outbox]


# --- 1. In-store transfer -------------------------------------------------------------------------


def test_an_associate_of_another_store_cannot_take_a_piece_without_the_owner(
    client, client_for, brand, owner, item, django_capture_on_commit_callbacks
):
    """The attack: an associate elsewhere sends a piece to their own e-mail. Nothing moves; the owner is
    asked, and can refuse."""
    attacker = client_for(brand, "sales_associate", StoreFactory(brand=brand, name="Elsewhere"))
    before = _state(brand, item)
    with django_capture_on_commit_callbacks(execute=True):
        response = attacker.post(
            url("store_transfer", brand),
            {"query": item.serial, "email": "me@attacker.test", "kind": "sale"},
        )
    assert response.status_code == 302
    assert _state(brand, item) == before
    with brand_context(brand):
        approval = OwnerApproval.objects.get()
        assert not Customer.objects.filter(email="me@attacker.test").exists()
    assert (approval.status, approval.action, approval.customer_id) == ("waiting", "transfer", owner.pk)
    # The owner (only) is asked, in French, with a link.
    assert _recipients() == [["owner@example.test"]]
    assert "Elsewhere" in mail.outbox[0].body and "demande votre confirmation" in mail.outbox[0].subject
    link = _link(mail.outbox[0])
    # A GET (a mail scanner) decides nothing; the page says what was asked.
    page = client.get(link)
    assert page.status_code == 200 and 'data-testid="approval-confirm"' in page.content.decode()
    assert _state(brand, item) == before
    # The new "owner" cannot sign in: no customer has that e-mail.
    with brand_context(brand):
        assert services.login_link_request(brand=brand, email="me@attacker.test") is False
    # The owner refuses: nothing changes, and the link is spent.
    response = client.post(link, {"decision": "refuse"})
    assert response.status_code == 200
    assert _state(brand, item) == before
    with brand_context(brand):
        approval.refresh_from_db()
        assert (
            AuditLog.objects.filter(action="owner_approval.refuse", object_id=str(approval.pk)).count() == 1
        )
    assert (approval.status, approval.new_owner_email) == ("refused", "")
    assert client.post(link, {"decision": "confirm"}).status_code == 400
    assert _state(brand, item) == before


def test_the_owner_confirms_by_the_link_and_is_told(
    client, retailer_client, brand, owner, item, store, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        retailer_client.post(
            url("store_transfer", brand),
            {"query": item.serial, "email": "New@Example.test", "first_name": "Nina", "kind": "gift"},
        )
    link = _link(mail.outbox[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"decision": "confirm"})
    assert response.status_code == 200
    with brand_context(brand):
        fresh = Item.objects.select_related("owner").get(pk=item.pk)
        transfer = Transfer.objects.get(item=item)
        approval = OwnerApproval.objects.get()
        audit = AuditLog.objects.get(action="transfer.in_store")
    assert (fresh.owner.email, fresh.owner.first_name) == ("new@example.test", "Nina")
    assert (transfer.status, transfer.from_customer_id, transfer.store_id, transfer.kind) == (
        "accepted",
        owner.pk,
        store.pk,
        "gift",
    )
    # Nothing of the new owner stays on the request: they are a customer now.
    assert (approval.status, approval.new_owner_email, approval.new_owner_first_name) == ("confirmed", "", "")
    assert audit.data["consent"] == "link" and audit.data["approval"] == approval.pk
    # The old owner is told (in their language), the new owner welcomed.
    assert sorted(_recipients()) == [["new@example.test"], ["owner@example.test"]]
    previous = next(m for m in mail.outbox if m.to == ["owner@example.test"])
    assert "nouveau propriétaire" in previous.subject
    # The link works once.
    assert client.post(link, {"decision": "confirm"}).status_code == 400


def test_the_owners_transfer_code_moves_the_piece_at_once(
    retailer_client, brand, owner, item, django_capture_on_commit_callbacks
):
    with brand_context(brand):
        _transfer, code = services.transfer_start(brand=brand, item=item, customer=owner, kind="sale")
    before = _state(brand, item)
    response = retailer_client.post(
        url("store_transfer", brand),
        {"query": item.serial, "owner_code": "WRNG-CODE", "email": "n@example.test", "kind": "sale"},
    )
    assert response.status_code == 400 and "wrong or has expired" in response.content.decode()
    assert _state(brand, item) == before
    with django_capture_on_commit_callbacks(execute=True):
        response = retailer_client.post(
            url("store_transfer", brand),
            {"query": item.serial, "owner_code": code.lower(), "email": "n@example.test", "kind": "sale"},
        )
    assert response.status_code == 302
    with brand_context(brand):
        assert Item.objects.select_related("owner").get(pk=item.pk).owner.email == "n@example.test"
        assert list(Transfer.objects.values_list("status", flat=True)) == ["accepted"]
        assert OwnerApproval.objects.count() == 0
    assert sorted(_recipients()) == [["n@example.test"], ["owner@example.test"]]


def test_another_pieces_code_is_refused(retailer_client, brand, owner, item):
    other_piece = owned_item(brand=brand, customer=owner)
    with brand_context(brand):
        _transfer, code = services.transfer_start(brand=brand, item=other_piece, customer=owner, kind="sale")
    before = _state(brand, item)
    response = retailer_client.post(
        url("store_transfer", brand),
        {"query": item.serial, "owner_code": code, "email": "n@example.test", "kind": "sale"},
    )
    assert response.status_code == 400
    assert _state(brand, item) == before


def test_an_owner_without_e_mail_cannot_be_asked(retailer_client, brand):
    piece = owned_item(brand=brand, customer=CustomerFactory(brand=brand, email=""))
    before = _state(brand, piece)
    response = retailer_client.post(
        url("store_transfer", brand), {"query": piece.serial, "email": "n@example.test", "kind": "sale"}
    )
    assert response.status_code == 400 and "only the brand" in response.content.decode()
    assert _state(brand, piece) == before


def test_an_expired_request_changes_nothing(client, retailer_client, brand, owner, item):
    from datetime import timedelta

    from django.utils import timezone

    retailer_client.post(
        url("store_transfer", brand), {"query": item.serial, "email": "n@example.test", "kind": "sale"}
    )
    with brand_context(brand):
        approval = OwnerApproval.objects.get()
        OwnerApproval.objects.filter(pk=approval.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        token = services.owner_approval_token(approval)
    before = _state(brand, item)
    response = client.post(url("approval", brand, pk=approval.pk, token=token), {"decision": "confirm"})
    assert response.status_code == 400
    assert _state(brand, item) == before
    page = retailer_client.get(url("store_transfer", brand)).content.decode()
    assert "Expired" in page and "Waiting for the owner" not in page


def test_a_wrong_token_or_another_brands_request_is_404(client, brand, other_brand, retailer_client, item):
    retailer_client.post(
        url("store_transfer", brand), {"query": item.serial, "email": "n@example.test", "kind": "sale"}
    )
    with brand_context(brand):
        approval = OwnerApproval.objects.get()
        token = services.owner_approval_token(approval)
    assert client.get(url("approval", brand, pk=approval.pk, token="0" * 64)).status_code == 404
    assert (
        client.post(
            url("approval", brand, pk=approval.pk, token="0" * 64), {"decision": "confirm"}
        ).status_code
        == 404
    )
    assert client.get(url("approval", other_brand, pk=approval.pk, token=token)).status_code == 404
    assert (
        client.post(
            url("approval", other_brand, pk=approval.pk, token=token), {"decision": "confirm"}
        ).status_code
        == 404
    )
    with brand_context(brand):
        assert OwnerApproval.objects.get().status == "waiting"


def test_a_request_for_a_piece_that_changed_hands_meanwhile_is_void(
    client, retailer_client, brand, owner, item, store
):
    retailer_client.post(
        url("store_transfer", brand), {"query": item.serial, "email": "n@example.test", "kind": "sale"}
    )
    with brand_context(brand):
        approval = OwnerApproval.objects.get()
        token = services.owner_approval_token(approval)
        services.transfer_accept(
            brand=brand,
            transfer=services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")[0],
            email="friend@example.test",
        )
        approval.refresh_from_db()
    # The ownership changed: the waiting request was cancelled with it.
    assert approval.status == "cancelled"
    response = client.post(url("approval", brand, pk=approval.pk, token=token), {"decision": "confirm"})
    assert response.status_code == 400
    with brand_context(brand):
        assert Item.objects.select_related("owner").get(pk=item.pk).owner.email == "friend@example.test"


# --- 2. Lost or stolen ----------------------------------------------------------------------------


def test_a_store_cannot_flag_a_customers_piece_without_the_owner(
    client, client_for, brand, owner, item, admin, django_capture_on_commit_callbacks
):
    elsewhere = client_for(brand, "sales_associate", StoreFactory(brand=brand, name="Elsewhere"))
    with django_capture_on_commit_callbacks(execute=True):
        response = elsewhere.post(url("store_loss", brand), {"query": item.serial, "status": "stolen"})
    assert response.status_code == 302
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "sold"
        approval = OwnerApproval.objects.get()
        assert not AuditLog.objects.filter(action__startswith="item.reported").exists()
    assert approval.action == "report_stolen"
    assert _recipients() == [["owner@example.test"]]
    link = _link(mail.outbox[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link, {"decision": "confirm"})
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "stolen"
        audit = AuditLog.objects.get(action="item.reported_stolen")
    assert (audit.data["by"], audit.data["approval"]) == ("store", approval.pk)
    # The brand and the owner are alerted.
    assert sorted(_recipients()) == [["admin@brand.test"], ["owner@example.test"]]


def test_a_store_cannot_clear_the_flag_of_a_piece_it_does_not_hold(client_for, brand, owner, item):
    with brand_context(brand):
        services.item_report_loss(brand=brand, item=item, status="stolen", customer=owner)
    unowned = ItemFactory(brand=brand, status="in_stock", current_store=StoreFactory(brand=brand))
    with brand_context(brand):
        services.item_report_loss(
            brand=brand, item=unowned, status="lost", by="store", store=unowned.current_store
        )
    elsewhere = client_for(brand, "retail_manager", StoreFactory(brand=brand))
    # A customer's piece: the owner is asked; nothing changes yet.
    elsewhere.post(url("store_recovered", brand, pk=item.pk))
    # Another store's stock: refused.
    response = elsewhere.post(url("store_recovered", brand, pk=unowned.pk), follow=True)
    assert "owner must confirm" in response.content.decode() or "only the brand" in response.content.decode()
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "stolen"
        assert Item.objects.get(pk=unowned.pk).status == "lost"
        assert list(OwnerApproval.objects.values_list("action", "item_id")) == [("recovered", item.pk)]
        assert not AuditLog.objects.filter(action="item.recovered").exists()


def test_a_store_flags_and_clears_its_own_stock_at_once(
    retailer_client, brand, store, admin, django_capture_on_commit_callbacks
):
    piece = ItemFactory(brand=brand, status="in_stock", current_store=store)
    with django_capture_on_commit_callbacks(execute=True):
        retailer_client.post(url("store_loss", brand), {"query": piece.serial, "status": "lost"})
    with brand_context(brand):
        assert Item.objects.get(pk=piece.pk).status == "lost"
    with django_capture_on_commit_callbacks(execute=True):
        retailer_client.post(url("store_recovered", brand, pk=piece.pk))
    with brand_context(brand):
        assert Item.objects.get(pk=piece.pk).status == "in_stock"
        actions = list(
            AuditLog.objects.filter(object_id=str(piece.pk)).order_by("id").values_list("action", flat=True)
        )
    assert actions == ["item.reported_lost", "item.recovered"]
    # No owner: the brand is alerted of both changes.
    assert _recipients() == [["admin@brand.test"], ["admin@brand.test"]]


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_the_brand_reports_and_clears_any_piece(
    client_for, brand, owner, item, role, django_capture_on_commit_callbacks
):
    staff = client_for(brand, role)
    assert staff.get(url("staff_loss", brand)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            url("staff_loss", brand), {"query": item.serial, "status": "lost", "note": "Call"}
        )
    assert response.status_code == 302
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "lost"
        audit = AuditLog.objects.get(action="item.reported_lost")
    assert (audit.data["by"], audit.actor_id) == ("brand", staff.user.pk)
    assert ["owner@example.test"] in _recipients() and [staff.user.email] in _recipients()
    staff.post(url("staff_recovered", brand, pk=item.pk))
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "sold"


@pytest.mark.parametrize("role", ["marketer", "analyst", "sales_associate", "retail_manager"])
def test_other_roles_cannot_use_the_brands_page(client_for, brand, item, role):
    staff = client_for(brand, role)
    assert staff.get(url("staff_loss", brand)).status_code == 403
    assert staff.post(url("staff_loss", brand), {"query": item.serial, "status": "lost"}).status_code == 403
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "sold"


def test_the_brand_service_refuses_a_non_admin(brand, item):
    marketer = MembershipFactory(brand=brand, role="marketer").user
    with brand_context(brand), pytest.raises(Exception, match="owners and admins"):
        services.item_report_loss(brand=brand, item=item, status="lost", by="brand", actor=marketer)
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "sold"


def test_another_brands_piece_is_404_on_the_brands_page(client_for, brand, other_brand):
    foreign = owned_item(brand=other_brand, status="stolen")
    staff = client_for(brand, "admin")
    assert staff.post(url("staff_recovered", brand, pk=foreign.pk)).status_code == 404
    with brand_context(other_brand):
        assert Item.objects.get(pk=foreign.pk).status == "stolen"


def test_the_owners_report_alerts_owner_and_brand_and_cancels_what_is_pending(
    client, retailer_client, brand, owner, item, admin, django_capture_on_commit_callbacks
):
    with brand_context(brand):
        transfer, _code = services.transfer_start(brand=brand, item=item, customer=owner, kind="gift")
    retailer_client.post(
        url("store_transfer", brand), {"query": item.serial, "email": "n@example.test", "kind": "sale"}
    )
    session = client.session
    session["portal_customers"] = {str(brand.pk): owner.pk}
    session.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("loss", brand, pk=item.pk), {"status": "lost", "note": ""})
    with brand_context(brand):
        assert Item.objects.get(pk=item.pk).status == "lost"
        assert Transfer.objects.get(pk=transfer.pk).status == "cancelled"
        assert list(OwnerApproval.objects.values_list("status", flat=True)) == ["cancelled"]
        audit = AuditLog.objects.get(action="item.reported_lost")
    assert audit.data["cancelled"] == {"transfers": 1, "approvals": 1}
    assert sorted(_recipients()) == [["admin@brand.test"], ["owner@example.test"]]
    # The piece's page no longer offers a pending transfer next to the loss.
    page = client.get(url("piece", brand, pk=item.pk)).content.decode()
    assert url("transfer_cancel", brand, pk=item.pk) not in page
    assert 'data-testid="recovered"' in page
