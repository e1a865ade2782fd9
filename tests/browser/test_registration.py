"""The key retailer journey: an associate registers a sale on a phone, the customer confirms by e-mail."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from customers.models import Consent, Customer
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, ProductFactory, StoreFactory, UserFactory
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Registration

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager_tasks():
    from jewelcrm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_associate_registers_a_sale_and_customer_confirms(phone_page, login, screenshot, eager_tasks):
    page = phone_page
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore", code_prefix="AUR")
    store = StoreFactory(brand=brand, name="Boutique Vendôme", city="Paris", country="FR", currency="EUR")
    product = ProductFactory(
        brand=brand, reference="AUR-RG-001", name_en="Aurore solitaire ring", warranty_months=24
    )
    ItemFactory(brand=brand, product=product, serial="AUR-000123", current_store=store)
    associate = MembershipFactory(
        brand=brand,
        role="sales_associate",
        store=store,
        user=UserFactory(email="lea@aurore.test", full_name="Léa Petit"),
    )

    login(page, associate.user.email)
    page.goto(f"/b/{brand.slug}/intranet/sales/new/")

    # A barcode scanner types the serial and presses Enter: the piece is looked up, the form not sent.
    page.get_by_label("Serial or public code").fill("aur-000123")
    page.get_by_label("Serial or public code").press("Enter")
    assert "Aurore solitaire ring" in page.get_by_test_id("item-found").inner_text()
    assert "/intranet/sales/new/" in page.url

    page.get_by_label("Customer's e-mail").fill("Camille.Durand@Example.test")
    page.get_by_label("Customer's phone").click()
    page.get_by_test_id("customer-new").wait_for()
    page.get_by_label("First name").fill("Camille")
    page.get_by_label("Last name").fill("Durand")
    page.get_by_label("Customer's language").select_option("en")
    page.get_by_label("Price paid").fill("2450")
    assert page.get_by_label("Currency").input_value() == "EUR"
    assert not page.get_by_label("Recipient's name").is_visible()  # gift fields only for a gift
    consent = page.locator("#id_consent_email")
    assert not consent.is_checked()
    consent.check()
    page.get_by_role("button", name="Register the sale").click()

    card = page.get_by_test_id("warranty-card")
    card.wait_for()
    assert "AUR-000123" in card.inner_text() and "Camille Durand" in card.inner_text()
    assert page.locator(".card-qr svg").count() == 1
    screenshot(page, "registration")
    assert errors == []

    with brand_context(brand):
        registration = Registration.objects.get()
        assert registration.store_id == store.pk and registration.associate_id == associate.user_id
        customer = Customer.objects.get()
        assert customer.email == "camille.durand@example.test"
        assert Consent.objects.get(customer=customer, channel="email").is_confirmed is False

    # The customer opens the double opt-in link of the e-mail.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["camille.durand@example.test"]
    link = re.search(r"https?://\S+/portal/\S+/confirm/\S+/", mail.outbox[0].body).group(0)
    page.goto(urlsplit(link).path)
    page.get_by_test_id("confirm").click()
    page.get_by_role("status").wait_for()

    with brand_context(brand):
        latest = Consent.objects.filter(customer=customer, channel="email").order_by("-at", "-id").first()
        assert latest.is_granted is True and latest.is_confirmed is True
        assert Customer.objects.get().email_confirmed_at is not None
