"""Associate outreach at the counter: on a phone, the associate finds the task in the client book, opens
it and marks it done with an outcome; the tasks are cards, nothing scrolls sideways. The marketer then
sees the outcome counted on the brand's list, in French."""

from __future__ import annotations

from datetime import date

import pytest

from campaigns.outreach.services import outreach_task_create
from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_associate_completes_a_task_on_a_phone_and_the_marketer_sees_it(page, phone_page, login):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore-outreach")
    store = StoreFactory(brand=brand, name="Paris Rue de la Paix")
    associate = MembershipFactory(brand=brand, role="sales_associate", store=store)
    marketer = MembershipFactory(brand=brand, role="marketer")
    weber = CustomerFactory(
        brand=brand,
        first_name="Hélène",
        last_name="Weber",
        home_store=store,
        assigned_associate=associate.user,
    )
    with brand_context(brand):
        outreach_task_create(
            brand=brand,
            customer_id=weber.pk,
            key="journey:1:wedding:2027",
            due_on=date(2027, 6, 12),
            title="Mrs Weber's wedding anniversary is on 12 June",
            detail="She owns the Aurore ring; suggest the matching earrings.",
        )

    login(phone_page, associate.user.email)
    phone_page.goto(f"/b/{brand.slug}/intranet/client-book/")
    panel = phone_page.get_by_test_id("outreach-panel")
    assert "Mrs Weber's wedding anniversary is on 12 June" in panel.inner_text()
    phone_page.goto(f"/b/{brand.slug}/intranet/outreach/")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    table = phone_page.get_by_test_id("outreach-tasks")
    assert "cards-on-phone" in (table.get_attribute("class") or "")
    assert "suggest the matching earrings" in table.inner_text()
    table.get_by_role("link", name="Mark done").click()
    phone_page.get_by_label("Visit booked").check()
    phone_page.get_by_label("Note").fill("Comes on Saturday with her husband")
    phone_page.get_by_role("button", name="Mark done").click()
    assert "Task done" in phone_page.content()
    assert phone_page.get_by_test_id("count-done").inner_text() == "1"

    login(page, marketer.user.email)
    page.goto(f"/b/{brand.slug}/outreach/")
    assert page.get_by_test_id("count-visit_booked").inner_text() == "1"
    assert "Comes on Saturday with her husband" in page.get_by_test_id("outreach-tasks").inner_text()
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": page.url}])
    page.reload()
    assert "Prospection par les vendeurs" in page.content()
    assert "Rendez-vous pris" in page.get_by_test_id("outreach-tasks").inner_text()
