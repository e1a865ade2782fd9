"""The shell in a real browser: the phone menu, the language switcher, keyboard-only sign-in."""

import pytest

from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def associate():
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    store = StoreFactory(brand=brand, name="Boutique Vendôme")
    return MembershipFactory(
        brand=brand, role="sales_associate", store=store, user=UserFactory(email="lea@aurore.test")
    )


@pytest.fixture
def owner():
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    return MembershipFactory(brand=brand, role="owner", user=UserFactory(email="claire@aurore.test"))


def _scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_menu_folds_on_a_phone_and_nothing_scrolls_sideways(phone_page, login, screenshot, associate):
    page = phone_page
    login(page, associate.user.email)
    assert page.url.endswith("/b/maison-aurore/intranet/")

    toggle = page.get_by_role("button", name="Menu")
    menu = page.get_by_test_id("mainnav")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    assert _scroll_width(page) <= 390

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    today = menu.get_by_role("link", name="Today")
    assert today.get_attribute("aria-current") == "page"
    box = today.bounding_box()
    assert box["height"] >= 44 and box["width"] > 300  # a big touch target across the screen
    assert _scroll_width(page) <= 390
    screenshot(page, "intranet-phone-menu")

    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()

    page.get_by_test_id("account-menu").click()
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert _scroll_width(page) <= 390


def test_menu_folds_on_a_counter_tablet_too(tablet_page, login, owner):
    page = tablet_page
    login(page, owner.user.email)
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.is_visible()
    assert not page.get_by_test_id("mainnav").is_visible()
    toggle.click()
    assert page.get_by_test_id("mainnav").get_by_role("link", name="Overview").is_visible()
    assert _scroll_width(page) <= 820


def test_menu_is_a_sidebar_on_a_desktop(page, login, owner):
    login(page, owner.user.email)
    assert not page.get_by_role("button", name="Menu").is_visible()
    menu = page.get_by_test_id("mainnav")
    assert menu.is_visible()
    assert menu.get_by_role("link", name="Overview").get_attribute("aria-current") == "page"


def test_language_switcher_turns_the_page_french_and_back(page, login, owner):
    login(page, owner.user.email)
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("button", name="Français").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/b/maison-aurore/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_test_id("mainnav").locator(".nav-area").inner_text() == "TABLEAU DE BORD DE LA MARQUE"
    assert page.locator(".footer").inner_text() == (
        "JewelCRM · Garantie numérique et relation client pour les maisons de joaillerie et d’horlogerie"
    )
    assert page.get_by_role("button", name="Français").get_attribute("aria-pressed") == "true"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert (
        page.locator(".footer").inner_text()
        == "JewelCRM · Digital warranty and clienteling for jewellery and watch brands"
    )


def _focused(page):
    return page.evaluate(
        "document.activeElement.id || document.activeElement.className || document.activeElement.tagName"
    )


def _shift_tab_to_skip_link(page):
    for _ in range(10):
        if _focused(page) == "skip-link":
            return
        page.keyboard.press("Shift+Tab")
    raise AssertionError("Shift+Tab never reached the skip link")


def test_keyboard_only_sign_in(page, owner):
    page.goto("/accounts/login/")
    _shift_tab_to_skip_link(page)  # the very first stop of the page
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # shown when focused

    reached = []
    for _ in range(10):
        page.keyboard.press("Tab")
        reached.append(_focused(page))
        if reached[-1] == "id_username":
            break
    assert reached[-1] == "id_username", f"Tab never reached the e-mail field: {reached}"
    page.keyboard.type(owner.user.email)
    page.keyboard.press("Tab")
    assert _focused(page) == "id_password"
    page.keyboard.type("correct-horse-battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/b/maison-aurore/")
    assert page.get_by_test_id("home-title").is_visible()


def test_skip_link_moves_focus_to_the_content(page):
    page.goto("/accounts/login/")
    _shift_tab_to_skip_link(page)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert _focused(page) == "main"


def test_charts_are_drawn_from_data_attributes_without_inline_script(page):
    page.goto("/accounts/login/")
    page.add_script_tag(url="/static/vendor/chartjs/chart.umd.js")
    page.add_script_tag(url="/static/js/charts.js")
    page.evaluate(
        """() => {
          const box = document.createElement('div');
          box.className = 'chart';
          box.innerHTML = '<canvas id="c1" data-chart=\\'{"type": "bar", "data": {"labels": ["Jan", "Feb"],'
            + ' "datasets": [{"label": "Sales", "data": [3, 5]}]}}\\'></canvas>'
            + '<canvas id="bad" data-chart="not json"></canvas>';
          document.querySelector('main').appendChild(box);
          window.JewelCharts.draw();
        }"""
    )
    chart = page.evaluate(
        "() => { const c = Chart.getChart('c1'); return {type: c.config.type, labels: c.data.labels,"
        " data: c.data.datasets[0].data, colour: c.data.datasets[0].backgroundColor}; }"
    )
    assert chart == {"type": "bar", "labels": ["Jan", "Feb"], "data": [3, 5], "colour": "#1f2d45"}
    assert page.evaluate("() => Chart.getChart('bad') === undefined")
    assert page.locator("#c1").bounding_box()["height"] > 100
