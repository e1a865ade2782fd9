"""A merchandiser filters the sell-through to one country, finds a product under its category's benchmark,
then sends an aged piece of it to the store where it sells, in one click."""

from datetime import timedelta

import pytest

from jewelcrm.tenancy.context import brand_context
from segmentation.insights.services import insights_refresh
from segmentation.insights.tests.conftest import PERIOD, _receive, history  # noqa: F401 - the fixture
from tests.factories import BrandFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def brand(db):
    return BrandFactory(name="Maison Aurore", slug="maison-aurore", code_prefix="AUR")


def _filter(page, *, country: str) -> None:
    page.get_by_label("From", exact=True).fill(str(PERIOD.start))
    page.get_by_label("To", exact=True).fill(str(PERIOD.end))
    page.get_by_label("Country", exact=True).select_option(label=country)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")


def test_merchandiser_finds_an_underperformer_and_moves_an_aged_piece(page, login, screenshot, brand, history):
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
