"""Each role signs in and lands on its own home page; the multi-brand dealer switches brand."""

import pytest

from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = [
    ("owner", "dashboard"), ("admin", "dashboard"), ("marketer", "dashboard"), ("analyst", "dashboard"),
    ("retail_manager", "intranet"), ("sales_associate", "intranet"),
]


@pytest.mark.parametrize(("role", "area"), ROLES)
def test_each_role_lands_on_its_home(page, login, screenshot, role, area):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    store = StoreFactory(brand=brand, name="Boutique Vendôme") if area == "intranet" else None
    membership = MembershipFactory(brand=brand, role=role, store=store, user=UserFactory(email=f"{role}@aurore.test"))

    login(page, membership.user.email)

    expected = f"/b/{brand.slug}/" + ("intranet/" if area == "intranet" else "")
    assert page.url.endswith(expected)
    title = page.get_by_test_id("home-title").inner_text()
    assert ("Boutique Vendôme" if area == "intranet" else "Maison Aurore") in title
    assert page.console_errors == []
    if role in ("owner", "sales_associate"):
        screenshot(page, f"home-{area}")


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
