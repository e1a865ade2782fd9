"""A merchandiser filters the sell-through to one country, finds a product under its category's benchmark,
then sends an aged piece of it to the store where it sells, in one click."""

from datetime import timedelta

import pytest

from jewelcrm.tenancy.context import brand_context
from segmentation.insights.services import insights_refresh
from segmentation.insights.tests import conftest as insights_data
from segmentation.insights.tests import test_overview as overview_data
from segmentation.insights.tests.conftest import PERIOD, _receive
from tests.factories import BrandFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

history = insights_data.history  # the hand-built history of the insights tests, as a fixture here


@pytest.fixture
def brand(db):
    return BrandFactory(name="Maison Aurore", slug="maison-aurore", code_prefix="AUR")


def _filter(page, *, country: str) -> None:
    page.get_by_label("From", exact=True).fill(str(PERIOD.start))
    page.get_by_label("To", exact=True).fill(str(PERIOD.end))
    page.get_by_label("Country", exact=True).select_option(label=country)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")


def test_merchandiser_finds_an_underperformer_and_moves_an_aged_piece(
    page, login, screenshot, brand, history
):
    s1, s2, _s3 = history["stores"]
    _a, b, _c, _w = history["products"]
    (aged,) = _receive(brand, s2, b, 1, PERIOD.end - timedelta(days=400))  # a B ring asleep in Lyon
    with brand_context(brand):
        insights_refresh(brand=brand)
    user = UserFactory(email="merch@aurore.test", full_name="Camille Merch")
    MembershipFactory(brand=brand, role="admin", user=user)

    login(page, user.email)
    page.get_by_role("link", name="Sell-through").first.click()
    _filter(page, country="France")
    assert "country=FR" in page.url
    candidates = page.get_by_test_id("candidates")
    assert candidates.locator("tbody tr").count() == 1
    assert "B" in candidates.inner_text() and "20.0%" in candidates.inner_text()
    assert page.get_by_test_id("stores").locator("tbody tr").count() == 2  # Switzerland filtered out
    page.locator("canvas[data-chart-ready='1']").first.wait_for()
    screenshot(page, "insights-sell-through")

    page.get_by_role("link", name="Stock ageing").first.click()
    _filter(page, country="France")
    row = page.get_by_test_id("suggestions").locator(f"tr[data-serial='{aged.serial}']")
    row.get_by_role("button", name=f"Transfer to {s1.name}").click()
    page.wait_for_load_state("networkidle")
    assert f"{aged.serial} is on its way to {s1.name}." in page.locator(".messages").inner_text()
    assert "country=FR" in page.url  # back on the filtered page
    with brand_context(brand):
        aged.refresh_from_db()
    assert (aged.status, aged.current_store_id) == ("in_transit", s1.pk)


shop = overview_data.shop  # the hand-built orders of the overview tests


def test_marketer_reads_the_overview_for_one_store(page, login, screenshot, brand, shop):
    s1, _s2 = shop["stores"]
    user = UserFactory(email="marketer@aurore.test", full_name="Léa Marketing")
    MembershipFactory(brand=brand, role="marketer", user=user)

    login(page, user.email)
    page.get_by_role("link", name="Customers and revenue").first.click()
    page.get_by_label("From (month)", exact=True).fill("2026-01")
    page.get_by_label("To (month)", exact=True).fill("2026-03")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")
    assert "start=2026-01" in page.url and "end=2026-03" in page.url
    figures = page.get_by_test_id("figures")
    assert "3,300.00" in figures.locator("[data-figure='revenue']").inner_text()
    assert page.locator("canvas[data-chart-ready='1']").count() == 4  # every chart drawn, no script error
    screenshot(page, "insights-overview")

    page.get_by_label("Store", exact=True).select_option(value=str(s1.pk))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")
    assert f"store={s1.pk}" in page.url and "start=2026-01" in page.url  # the period stays
    assert "1,000.00" in page.get_by_test_id("figures").locator("[data-figure='revenue']").inner_text()
    page.get_by_role("link", name="See the numbers").first.click()
    months = page.get_by_test_id("months")
    months.wait_for()  # the table page, once the click has navigated
    assert months.is_visible() and months.locator("tbody tr").count() == 3
