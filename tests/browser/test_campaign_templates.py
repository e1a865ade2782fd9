"""A marketer writes a campaign e-mail template: a mistake is shown at its line as she types, then the
live preview shows the e-mail in English and French side by side; she saves it and finds it in the list.
The list and the editor in French on a 390 px phone do not scroll sideways."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from customers.tests.factories import CustomerFactory
from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _shop():
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore", primary_colour="#7A1F3D",
                         postal_address="12 place Vendôme, 75001 Paris")  # fmt: skip
    store = StoreFactory(brand=brand, name="Boutique Vendôme", city="Paris")
    CustomerFactory(brand=brand, title="Mrs", first_name="Anna", last_name="Weber", home_store=store)
    return MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="marketer@aurore.test"))


def _sign_in(page, live_server, user, language):
    client = Client()
    client.force_login(user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "domain": host, "path": "/",
             "value": client.cookies[settings.SESSION_COOKIE_NAME].value},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"},
        ]
    )  # fmt: skip


def test_marketer_writes_a_template_with_live_preview_in_both_languages(page, live_server, screenshot):
    membership = _shop()
    _sign_in(page, live_server, membership.user, "en")
    page.goto(live_server.url + "/b/maison-aurore/")
    page.get_by_role("link", name="E-mail templates").first.click()
    page.get_by_test_id("no-templates").wait_for()  # the list, once the click has navigated
    assert page.get_by_test_id("no-templates").is_visible()
    page.get_by_test_id("new-template").click()
    page.get_by_label("Name").fill("Spring invitation")
    page.get_by_label("Subject (English)").fill("{{ first_name }}, spring at {{ store_name }}")
    page.get_by_label("Message (English)").fill("{{ salutation }},\n\nSee you soon, {{ frist_name }}.")
    problems = page.get_by_test_id("preview-problems")
    problems.filter(has_text="Message (English) · Line 3: Unknown variable “frist_name”.").wait_for()
    problems.get_by_role("button").first.click()  # the caret goes to line 3 of the message
    selected = page.evaluate(
        "(() => { const f = document.activeElement;"
        " return f.value.slice(f.selectionStart, f.selectionEnd); })()"
    )
    assert selected == "See you soon, {{ frist_name }}."
    page.get_by_label("Message (English)").fill(
        "{{ salutation }},\n\nSee you soon at {{ store_name }}.\n\n[Book a visit](https://aurore.example/visit)"
    )
    page.get_by_label("Subject (French)").fill("{{ first_name }}, le printemps à {{ store_name }}")
    page.get_by_label("Message (French)").fill("{{ salutation }},\n\nÀ bientôt à {{ store_name }}.")
    page.get_by_test_id("preview-subject-fr").filter(
        has_text="Anna, le printemps à Boutique Vendôme"
    ).wait_for()
    assert page.get_by_test_id("preview-subject-en").inner_text() == "Anna, spring at Boutique Vendôme"
    english = page.frame_locator('[data-testid="preview-en"] iframe')
    french = page.frame_locator('[data-testid="preview-fr"] iframe')
    english.get_by_text("See you soon at Boutique Vendôme.").wait_for()
    french.get_by_text("À bientôt à Boutique Vendôme.").wait_for()
    assert "12 place Vendôme" in french.get_by_test_id("email-footer").inner_text()
    screenshot(page, "campaign-template-editor")
    page.get_by_test_id("save-template").click()
    page.get_by_test_id("template-title").filter(has_text="Spring invitation").wait_for()
    page.get_by_role("link", name="All templates").click()
    rows = page.get_by_test_id("template-table").locator("tbody tr")
    assert rows.count() == 1 and "Spring invitation" in rows.first.inner_text()


def test_pages_fit_a_phone_in_french(phone_page, live_server):
    from campaigns.content.tests.factories import EmailTemplateFactory

    membership = _shop()
    EmailTemplateFactory(brand=membership.brand, name="Invitation de printemps")
    _sign_in(phone_page, live_server, membership.user, "fr")
    phone_page.goto(live_server.url + "/b/maison-aurore/campaigns/templates/")
    assert phone_page.get_by_test_id("templates-title").inner_text() == "Modèles d’e-mails"
    assert "Invitation de printemps" in phone_page.get_by_test_id("template-table").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    phone_page.goto(live_server.url + "/b/maison-aurore/campaigns/templates/new/")
    phone_page.get_by_test_id("preview-fr").wait_for()
    assert 'lang="fr"' in phone_page.content()
    assert phone_page.get_by_text("Client pour l’aperçu").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
