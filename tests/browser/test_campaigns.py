"""A marketer builds a birthday journey, previews it in French and sees the send log fill."""

from datetime import date

import pytest

from campaigns import services
from customers.tests.factories import ConsentFactory, CustomerFactory
from jewelcrm.messaging.delivery import message_deliver
from jewelcrm.messaging.models import Message
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_marketer_builds_a_birthday_journey_previews_it_in_french_and_sees_the_send_log(
    page, login, screenshot
):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore", time_zone="Europe/Paris")
    MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="marketer@aurore.test"))
    today = services.brand_today(brand=brand)
    born = date(1990, today.month, today.day) if (today.month, today.day) != (2, 29) else date(1992, 2, 29)
    person = CustomerFactory(
        brand=brand, first_name="Élodie", last_name="Weber", birth_date=born, language="fr"
    )
    ConsentFactory(brand=brand, customer=person)
    with brand_context(brand):
        services.settings_update(brand=brand, actor=None, quiet_from=0, quiet_until=0)  # whatever the hour

    login(page, "marketer@aurore.test")
    page.get_by_role("link", name="Campaigns: journeys").first.click()
    page.get_by_role("link", name="Birthday", exact=True).click()
    assert page.get_by_test_id("journey-name").inner_text() == "Birthday"
    page.get_by_label("switched on").check()
    page.get_by_label("hold-out group (%)").fill("0")
    page.get_by_test_id("journey-save").click()
    page.get_by_text("The journey is saved.").wait_for()

    page.get_by_label("Customer", exact=True).fill(str(person.pk))
    page.get_by_label("Language").select_option("fr")
    page.get_by_test_id("preview-button").click()
    assert page.get_by_test_id("preview-subject").inner_text() == "Joyeux anniversaire, Élodie"
    # The e-mail as the customer gets it: its own document in the frame, in the branded layout and French.
    email = page.frame_locator('[data-testid="preview-frame"]')
    email.get_by_test_id("email-footer").get_by_text("vous avez accepté").wait_for()
    assert "joyeux anniversaire" in email.locator("body").inner_text()
    screenshot(page, "campaigns-journey-preview")

    # The hourly beat evaluates today and hands the e-mail to the send log; the delivery sends it.
    services.journeys_evaluate(brand=brand)
    with brand_context(brand):
        message_id = Message.objects.get(brand=brand).pk
    with brand_context(brand):
        assert message_deliver(brand_id=brand.pk, message_id=message_id) == "sent"

    page.get_by_role("link", name="Send log").click()
    rows = page.get_by_test_id("send-log").locator("tbody tr")
    assert rows.count() == 1
    assert "Élodie Weber" in rows.first.inner_text()
    assert "Sent" in rows.first.inner_text()
    screenshot(page, "campaigns-send-log")
