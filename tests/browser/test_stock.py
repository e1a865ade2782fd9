"""An associate, on a phone, confirms receipt of a shipment and finds the pieces in the store's stock."""

import pytest
from playwright.sync_api import expect

from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, ProductFactory, StoreFactory, UserFactory
from warranties.inventory import services
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_associate_confirms_a_shipment_on_a_phone(phone_page, login, screenshot):
    page = phone_page
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore", code_prefix="AUR")
    store = StoreFactory(brand=brand, code="PAR-VDM", name="Boutique Vendôme")
    user = UserFactory(email="lea@aurore.test", full_name="Léa Petit")
    MembershipFactory(brand=brand, role="sales_associate", store=store, user=user)
    ring = ProductFactory(brand=brand, reference="BA-1009", name_en="Aurore ring")
    bracelet = ProductFactory(brand=brand, reference="BR-1016", name_en="Lien bracelet")
    items = [
        ItemFactory(brand=brand, product=ring, serial="BA86943881"),
        ItemFactory(brand=brand, product=bracelet, serial="BR10160001"),
        ItemFactory(brand=brand, product=bracelet, serial="BR10160002"),
    ]
    ItemFactory(brand=brand, product=ring, serial="BA00000001", current_store=StoreFactory(brand=brand))
    with brand_context(brand):
        services.item_ship(brand=brand, items=items, store=store)

    login(page, user.email)
    page.goto(f"/b/{brand.slug}/intranet/incoming/")
    rows = page.get_by_test_id("incoming-row")
    assert rows.count() == 3

    # One tap on the first piece: the row turns into "Received" without leaving the page.
    rows.first.get_by_role("button", name="Received BA86943881").tap()
    page.locator("#main .badge.ok", has_text="Received").wait_for()
    assert page.url.endswith("/intranet/incoming/")

    # Then the rest in one go.
    page.goto(f"/b/{brand.slug}/intranet/incoming/")
    assert page.get_by_test_id("incoming-row").count() == 2
    page.get_by_test_id("confirm-all").tap()
    page.wait_for_load_state("networkidle")
    assert "2 item(s) received into your stock." in page.locator(".messages").inner_text()
    assert page.get_by_test_id("nothing-incoming").is_visible()

    page.goto(f"/b/{brand.slug}/intranet/stock/")
    table = page.get_by_test_id("my-stock")
    for serial in ("BA86943881", "BR10160001", "BR10160002"):
        assert table.get_by_role("cell", name=serial, exact=True).is_visible()
    assert table.get_by_role("cell", name="BA00000001").count() == 0  # another store's piece stays private

    page.get_by_label("Search my stock").fill("bracelet")
    page.get_by_role("button", name="Search").tap()
    # The search swaps the table in with htmx (after a short debounce): wait for the result itself.
    expect(page.get_by_test_id("my-stock").locator("tbody tr")).to_have_count(2)
    page.get_by_label("Search my stock").fill("")
    page.get_by_role("button", name="Search").tap()
    page.wait_for_load_state("networkidle")
    screenshot(page, "stock")
