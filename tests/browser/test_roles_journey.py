"""Each role signs in and lands on its own home page; the multi-brand dealer switches brand."""

import pytest

from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = [
    ("owner", "dashboard"),
    ("admin", "dashboard"),
    ("marketer", "dashboard"),
    ("analyst", "dashboard"),
    ("retail_manager", "intranet"),
    ("sales_associate", "intranet"),
]


@pytest.mark.parametrize(("role", "area"), ROLES)
def test_each_role_lands_on_its_home(page, login, screenshot, role, area):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    store = StoreFactory(brand=brand, name="Boutique Vendôme") if area == "intranet" else None
    membership = MembershipFactory(
        brand=brand, role=role, store=store, user=UserFactory(email=f"{role}@aurore.test")
    )

    login(page, membership.user.email)

    expected = f"/b/{brand.slug}/" + ("intranet/" if area == "intranet" else "")
    assert page.url.endswith(expected)
    title = page.get_by_test_id("home-title").inner_text()
    assert ("Boutique Vendôme" if area == "intranet" else "Maison Aurore") in title
    menu = page.get_by_test_id("mainnav")
    home = "Today" if area == "intranet" else "Overview"
    assert menu.get_by_role("link", name=home).get_attribute("aria-current") == "page"
    assert menu.locator(".nav-area").inner_text().lower() == (
        "store intranet" if area == "intranet" else "brand dashboard"
    )
    assert page.console_errors == []
    if role in ("owner", "sales_associate"):
        screenshot(page, f"home-{area}")


def test_staff_of_the_other_area_is_refused_and_a_foreign_brand_is_not_found(page, login):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    BrandFactory(name="Horlogerie Léman", slug="horlogerie-leman")
    associate = MembershipFactory(brand=brand, role="sales_associate", store=StoreFactory(brand=brand))
    login(page, associate.user.email)

    response = page.goto("/b/maison-aurore/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Access denied"

    response = page.goto("/b/horlogerie-leman/intranet/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert "Horlogerie" not in page.locator("header").inner_text()


def test_wrong_password_gets_the_same_message_as_unknown_email(page, login):
    UserFactory(email="known@aurore.test")
    login(page, "known@aurore.test", "wrong-password-123")
    wrong = page.locator(".form-errors").inner_text()
    login(page, "nobody@aurore.test", "wrong-password-123")
    unknown = page.locator(".form-errors").inner_text()
    assert wrong == unknown
    assert "do not match" in wrong


def test_multi_brand_dealer_chooses_and_switches_brand(page, login):
    user = UserFactory(email="dealer@geneva.test")
    aurore = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    leman = BrandFactory(name="Horlogerie Léman", slug="horlogerie-leman")
    for brand in (aurore, leman):
        MembershipFactory(brand=brand, user=user, role="sales_associate", store=StoreFactory(brand=brand))

    login(page, user.email)
    assert page.url.endswith("/home/")
    page.get_by_role("link", name="Horlogerie Léman").click()
    assert page.url.endswith("/b/horlogerie-leman/intranet/")
    page.get_by_test_id("brand-switcher").click()
    page.get_by_role("link", name="Maison Aurore").click()
    assert page.url.endswith("/b/maison-aurore/intranet/")
