"""A marketer builds a segment: ticks rules, watches the live count, saves it, finds it in the list."""

from datetime import date

import pytest

from jewelcrm.tenancy.context import brand_context
from segmentation import pipeline, services
from segmentation.models import PipelineRun
from segmentation.tests.factories import history
from tests.factories import BrandFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_marketer_builds_a_segment_sees_its_count_and_saves_it(page, login, screenshot):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="marketer@aurore.test"))
    history(
        brand,
        {
            "Ada": [("2025-01-10", "150"), ("2025-06-01", "300"), ("2026-02-01", "500")],
            "Bea": [("2024-04-01", "2000")],
            "Cy": [("2025-12-24", "800"), ("2026-03-30", "200")],
            "Dan": [("2026-03-20", "900")],
        },
    )
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=date(2026, 3, 31))
    pipeline.run_execute(brand=brand, run_id=run.pk)

    login(page, "marketer@aurore.test")
    page.get_by_role("link", name="Segments and scores").first.click()
    page.get_by_test_id("segment-counts").wait_for()  # the page, once the click has navigated
    assert page.get_by_test_id("segment-counts").is_visible()
    screenshot(page, "segments-overview")
    page.get_by_test_id("new-segment").click()
    page.get_by_label("Loyal", exact=True).check()
    count = page.get_by_test_id("live-count")
    count.filter(has_text="1 customer").wait_for()
    page.get_by_label("Potential loyalists").check()
    page.get_by_test_id("live-count").filter(has_text="2 customers").wait_for()
    page.get_by_label("Name").fill("Buying again")
    screenshot(page, "segment-builder")
    page.get_by_test_id("save-segment").click()
    assert page.get_by_test_id("segment-name").inner_text() == "Buying again"
    assert page.get_by_test_id("member-count").inner_text() == "2"
    page.get_by_role("link", name="Segments and scores").first.click()
    rows = page.get_by_test_id("saved-segments").locator("tbody tr")
    assert rows.count() == 1
    assert "Buying again" in rows.first.inner_text()
