"""Owner portal journeys: sign-in by e-mailed link, transfer and claim, the public page of a piece."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, ProductFactory, StoreFactory
from warranties.inventory.models import Item
from warranties.portal.tests.factories import InterventionFactory, owned_item

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://[^/\s]+(/portal/\S+/link/\S+/)")


@pytest.fixture
def brand():
    return BrandFactory(
        name="Maison Aurore", slug="maison-aurore", code_prefix="AUR", primary_colour="#7A1F3D"
    )


@pytest.fixture
def piece(brand):
    owner = CustomerFactory(
        brand=brand,
        first_name="Héloïse",
        last_name="Marchetti",
        email="heloise@example.test",
        phone="+33611223344",
        language="en",
    )
    product = ProductFactory(brand=brand, name_en="Aurore solitaire ring", collection="Aurore")
    store = StoreFactory(brand=brand, name="Boutique Vendôme", city="Paris", country="FR")
    item = owned_item(brand=brand, customer=owner, store=store, product=product, sold_on=date(2025, 2, 10))
    workshop = StoreFactory(brand=brand, name="Atelier Genève", city="Genève", country="CH")
    InterventionFactory(
        brand=brand,
        item=item,
        store=workshop,
        kind="resizing",
        status="returned",
        received_on=date(2025, 6, 3),
        description="Resized to 52",
    )
    InterventionFactory(
        brand=brand,
        item=item,
        store=store,
        kind="cleaning",
        status="in_workshop",
        received_on=date(2025, 11, 2),
        description="Polish",
    )
    return item


def _sign_in(page, brand, email):
    page.goto(f"/portal/{brand.slug}/")
    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_test_id("send-link").click()
    page.get_by_test_id("link-sent").wait_for()
    link = LINK.search(mail.outbox[-1].body).group(1)
    page.goto(link)
    assert "/link/" in page.url
    page.get_by_test_id("use-link").click()
    page.wait_for_url(f"**/portal/{brand.slug}/pieces/")


def test_owner_signs_in_through_the_emailed_link_and_sees_the_history(page, screenshot, brand, piece):
    _sign_in(page, brand, "Heloise@Example.test")
    assert "/link/" not in page.url  # no token left in the address bar
    page.get_by_test_id("piece-link").first.click()
    interventions = page.get_by_test_id("interventions").inner_text()
    assert "Resizing" in interventions and "Cleaning" in interventions and "In the workshop" in interventions
    assert "Valid" in page.get_by_test_id("warranty").inner_text()
    screenshot(page, "portal-item")
    # The link was single use.
    page.goto(LINK.search(mail.outbox[-1].body).group(1))
    assert "cannot be used" in page.content()


def test_owner_transfers_a_piece_and_the_new_owner_claims_it(page, browser, live_server, brand, piece):
    _sign_in(page, brand, "heloise@example.test")
    page.get_by_test_id("piece-link").first.click()
    page.get_by_label("Gift").check()
    page.get_by_test_id("transfer-start").click()
    code = page.get_by_test_id("transfer-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        newcomer = context.new_page()
        newcomer.goto(f"/portal/{brand.slug}/claim/")
        newcomer.get_by_label("Transfer code").fill(code.lower())
        newcomer.get_by_label("Your e-mail address").fill("paul@example.test")
        newcomer.get_by_test_id("claim").click()
        newcomer.get_by_test_id("link-sent").wait_for()
        assert mail.outbox[-1].to == ["paul@example.test"]
        newcomer.goto(LINK.search(mail.outbox[-1].body).group(1))
        newcomer.get_by_test_id("use-link").click()
        newcomer.wait_for_url(f"**/portal/{brand.slug}/pieces/")
        assert "Aurore solitaire ring" in newcomer.content()
    finally:
        context.close()

    with brand_context(brand):
        assert Item.objects.select_related("owner").get(pk=piece.pk).owner.email == "paul@example.test"
    assert {tuple(m.to) for m in mail.outbox[-2:]} == {("heloise@example.test",), ("paul@example.test",)}
    page.goto(f"/portal/{brand.slug}/pieces/")
    assert page.get_by_test_id("piece-link").count() == 0


def test_public_page_shows_the_history_and_nothing_personal(page, screenshot, brand, piece):
    page.goto(f"/i/{piece.public_code.lower()}")
    text = page.locator("body").inner_text()
    for expected in ("Aurore solitaire ring", "February 2025", "Paris", "Resizing", "Genève", "Cleaning"):
        assert expected in text
    assert page.get_by_test_id("owners").inner_text() == "1"
    for secret in (
        "Héloïse",
        "Marchetti",
        "heloise@example.test",
        "+33611223344",
        "33611223344",
        "06 11 22 33 44",
    ):
        assert secret not in text
        assert secret not in page.content()
    screenshot(page, "public-item")
    page.get_by_label("This piece was offered to me").check()
    page.get_by_label("Message").fill("Seen at a flea market")
    page.get_by_test_id("found-send").click()
    assert "passed on" in page.get_by_test_id("found-thanks").inner_text()


APPROVAL = re.compile(r"https?://[^/\s]+(/portal/\S+/approve/\d+/\w+/)")


def test_a_store_transfer_waits_for_the_owner_who_confirms_on_a_phone(
    tablet_page, phone_page, login, brand, piece
):
    """The store asks (tablet, no code): nothing moves. The owner opens the e-mailed link on a phone, in
    French, and confirms: the piece changes hands and the old owner is told."""
    from tests.factories import MembershipFactory, UserFactory

    with brand_context(brand):
        customer = piece.owner
        customer.language = "fr"
        customer.save(update_fields=["language"])
    associate = MembershipFactory(
        brand=brand,
        role="sales_associate",
        store=StoreFactory(brand=brand, name="Boutique Genève"),
        user=UserFactory(email="lea@aurore.test"),
    )
    login(tablet_page, associate.user.email)
    tablet_page.goto(f"/b/{brand.slug}/portal/transfers/")
    tablet_page.get_by_label("Serial or public code").fill(piece.serial)
    tablet_page.get_by_label("New owner's e-mail").fill("paul@example.test")
    tablet_page.get_by_label("New owner's first name").fill("Paul")
    tablet_page.get_by_test_id("store-transfer").click()
    assert "Nothing changes until they confirm" in tablet_page.content()
    assert "Waiting for the owner" in tablet_page.get_by_test_id("store-approvals").inner_text()
    with brand_context(brand):
        assert Item.objects.get(pk=piece.pk).owner_id == customer.pk
    assert mail.outbox[-1].to == ["heloise@example.test"]

    phone = phone_page
    phone.goto(APPROVAL.search(mail.outbox[-1].body).group(1))
    assert phone.get_by_test_id("approval-action").inner_text() == "Transfert à un nouveau propriétaire"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_test_id("approval-confirm").click()
    assert "demande de la boutique a été exécutée" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    with brand_context(brand):
        assert Item.objects.select_related("owner").get(pk=piece.pk).owner.email == "paul@example.test"
    assert {tuple(m.to) for m in mail.outbox[-2:]} == {("heloise@example.test",), ("paul@example.test",)}
