"""A marketer finds a customer, reads the 360 page and exports a consented list."""

from datetime import UTC, datetime

import pytest

from customers.tests.factories import (
    ConsentFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    RelationFactory,
)
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory
from warranties.inventory.models import Item
from warranties.tests.factories import InterventionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_marketer_searches_opens_360_and_exports_a_consented_list(page, login, screenshot):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    store = StoreFactory(brand=brand, code="PAR-VDM", name="Boutique Place Vendôme")
    MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="marketer@aurore.test"))
    ana = CustomerFactory(
        brand=brand,
        first_name="Ana",
        last_name="David",
        email="ana.david@example.test",
        phone="+41794382683",
        country="CH",
        home_store=store,
        tags=["VIP"],
        notes="Ring size 52, allergic to nickel",
        field_sources={"email": "erp", "phone": "erp"},
    )
    RelationFactory(brand=brand, customer=ana, name="Paul David", kind="spouse")
    registration = RegistrationFactory(brand=brand, customer=ana, store=store)
    with brand_context(brand):
        Item.objects.filter(pk=registration.item.pk).update(owner=ana)
    InterventionFactory(brand=brand, item=registration.item, store=store, kind="resizing")
    order = OrderFactory(
        brand=brand,
        customer=ana,
        external_id="ERP-1042",
        store=store,
        ordered_at=datetime(2026, 2, 14, 15, tzinfo=UTC),
    )
    OrderLineFactory(brand=brand, order=order)
    ConsentFactory(brand=brand, customer=ana, channel="email", is_confirmed=True, store=store)
    no_consent = CustomerFactory(
        brand=brand, first_name="Anatole", last_name="Davidson", email="anatole@example.test"
    )

    login(page, "marketer@aurore.test")
    page.get_by_role("link", name="Customers").first.click()
    page.get_by_label("Name, e-mail, phone or serial").fill("david")
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_test_id("customer-table").locator("tbody tr")
    assert rows.count() == 2

    page.get_by_role("link", name="Ana David").click()
    assert page.get_by_test_id("customer-name").inner_text().startswith("Ana David")
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "Warranty registration" in timeline and "Order" in timeline and "Intervention" in timeline
    assert "ERP-1042" in page.content()
    assert page.console_errors == []
    screenshot(page, "customer-360")

    page.go_back()
    page.get_by_label("Export for the channel").select_option("email")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    content = open(download_info.value.path(), encoding="utf-8-sig").read()
    assert "ana.david@example.test" in content
    assert no_consent.email not in content
