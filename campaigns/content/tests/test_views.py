"""The template pages: roles, foreign brand, list (search, sort, pagination, empty state), the editor
(errors at their line, read-only for analysts) and the live preview in English and French."""

from __future__ import annotations

import re

import pytest

from campaigns.content.models import EmailTemplate
from campaigns.content.tests.factories import EmailTemplateFactory
from customers.tests.factories import CustomerFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db

LIST = "/b/maison-test/campaigns/templates/"
NEW = "/b/maison-test/campaigns/templates/new/"
PREVIEW = "/b/maison-test/campaigns/templates/preview/"

VALID = {
    "name": "Birthday",
    "subject_en": "Happy birthday {{ first_name|default('friend') }}",
    "body_en": "{{ salutation }},\n\nSee you at {{ store_name }}.",
    "subject_fr": "Joyeux anniversaire {{ first_name|default('cher ami') }}",
    "body_fr": "{{ salutation }},\n\nÀ bientôt à {{ store_name }}.",
}


def _templates(brand):
    with brand_context(brand):
        return list(EmailTemplate.objects.order_by("id").values_list("name", flat=True))


@pytest.mark.parametrize(
    ("role", "list_status", "new_status", "save_status"),
    [
        ("owner", 200, 200, 302),
        ("admin", 200, 200, 302),
        ("marketer", 200, 200, 302),
        ("analyst", 200, 403, 403),
        ("retail_manager", 403, 403, 403),
        ("sales_associate", 403, 403, 403),
    ],
)
def test_roles(client_for, brand, store, role, list_status, new_status, save_status):
    client = client_for(brand, role, store=store if role.startswith(("retail", "sales")) else None)
    assert client.get(LIST).status_code == list_status
    assert client.get(NEW).status_code == new_status
    assert client.post(NEW, VALID).status_code == save_status
    assert _templates(brand) == (["Birthday"] if save_status == 302 else [])


def test_analyst_reads_a_template_but_cannot_change_it(client_for, brand):
    template = EmailTemplateFactory(brand=brand, name="Welcome")
    client = client_for(brand, "analyst")
    url = f"/b/maison-test/campaigns/templates/{template.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="read-only"' in html and 'data-testid="save-template"' not in html
    assert re.search(r'<input[^>]+name="name"[^>]+disabled', html)
    assert client.post(url, {**VALID, "name": "Changed"}).status_code == 403
    assert _templates(brand) == ["Welcome"]
    assert client.post(PREVIEW, VALID).status_code == 200  # the preview is a read


def test_foreign_brand_gets_404_everywhere(client_for, brand, other_brand):
    foreign = EmailTemplateFactory(brand=other_brand, name="Secret")
    client = client_for(brand, "owner")
    foreign_url = f"/b/maison-test/campaigns/templates/{foreign.pk}/"
    assert client.get(foreign_url).status_code == 404
    assert client.post(foreign_url, {**VALID, "name": "Taken over"}).status_code == 404
    for url in ("/b/autre-maison/campaigns/templates/", "/b/autre-maison/campaigns/templates/new/"):
        assert client.get(url).status_code == 404
    assert client.post("/b/autre-maison/campaigns/templates/preview/", VALID).status_code == 404
    assert _templates(other_brand) == ["Secret"]


def test_anonymous_is_sent_to_sign_in(client, brand):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_create_saves_audits_and_redirects_to_the_editor(client_for, brand):
    client = client_for(brand, "marketer")
    response = client.post(NEW, {**VALID, "has_recommendations": "on"})
    with brand_context(brand):
        template = EmailTemplate.objects.get()
        assert (
            AuditLog.objects.filter(
                action="campaign_content.template_save", object_id=str(template.pk)
            ).count()
            == 1
        )
    assert response["Location"] == f"/b/maison-test/campaigns/templates/{template.pk}/"
    assert template.has_recommendations and template.body_fr == VALID["body_fr"]


def test_invalid_template_is_refused_with_the_line_in_both_languages(client_for, brand):
    client = client_for(brand, "marketer")
    data = {
        **VALID,
        "body_en": "Hello\n{{ salutation }}\n\n{{ frist_name }}",
        "body_fr": "Bonjour\n{% if pieces %}",
    }
    response = client.post(NEW, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 4: Unknown variable “frist_name”. — {{ frist_name }}" in html.replace("&#x27;", "'")
    assert "Line 2:" in html  # the unclosed if of the French message
    assert _templates(brand) == []
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    french = client.post(NEW, data).content.decode()
    assert "Ligne 4 : Variable inconnue « frist_name »." in french


def test_sandbox_escape_is_refused_at_save(client_for, brand):
    client = client_for(brand, "marketer")
    response = client.post(NEW, {**VALID, "body_en": "ok\n{{ first_name.__class__.__mro__ }}"})
    assert response.status_code == 400
    assert "Line 2: “__class__” is not allowed." in response.content.decode()
    assert _templates(brand) == []


def test_duplicate_name_is_refused(client_for, brand):
    EmailTemplateFactory(brand=brand, name="Birthday")
    response = client_for(brand, "marketer").post(NEW, VALID)
    assert response.status_code == 400
    assert "Another template already has this name." in response.content.decode()
    assert _templates(brand) == ["Birthday"]


def test_edit_updates_the_template(client_for, brand):
    template = EmailTemplateFactory(brand=brand, name="Old")
    client = client_for(brand, "admin")
    url = f"/b/maison-test/campaigns/templates/{template.pk}/"
    assert client.post(url, {**VALID, "name": "New"}).status_code == 302
    assert _templates(brand) == ["New"]


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_searches_sorts_paginates_and_has_an_empty_state(client_for, brand):
    client = client_for(brand, "marketer")
    empty = client.get(LIST).content.decode()
    assert 'data-testid="no-templates"' in empty and "Write the first template" in empty
    EmailTemplateFactory(brand=brand, name="T00")
    one = _queries(client, LIST)
    for n in range(1, 30):
        EmailTemplateFactory(brand=brand, name=f"T{n:02d}", subject_en="Aurore" if n == 7 else "Hello")
    page = client.get(LIST).content.decode()
    assert page.count("/campaigns/templates/") >= 25 and "T00" in page and "T25" not in page
    assert "T25" in client.get(LIST + "?page=2").content.decode()
    found = client.get(LIST + "?q=aurore").content.decode()
    assert "T07" in found and "T08" not in found
    desc = client.get(LIST + "?sort=-name").content.decode()
    assert desc.index("T29") < desc.index("T28")
    assert "No template matches this search." in client.get(LIST + "?q=zzz").content.decode()
    assert _queries(client, LIST) == one  # a fixed number of queries, whatever the number of rows


def test_live_preview_in_english_and_french_for_a_sample_customer(client_for, brand):
    customer = CustomerFactory(brand=brand, title="Mrs", first_name="Anna", last_name="Weber")
    client = client_for(brand, "marketer")
    response = client.post(PREVIEW, {**VALID, "sample_customer": customer.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="preview-en"' in html and 'data-testid="preview-fr"' in html
    assert "Happy birthday Anna" in html and "Joyeux anniversaire Anna" in html
    assert "Dear Mrs Weber," in html and "Bonjour Mrs Weber," in html
    documents = re.findall(r'<iframe class="email-frame" src="([^"]+)"', html)
    assert len(documents) == 2
    document = client.get(documents[1].replace("&amp;", "&"))
    assert document.status_code == 200
    assert (
        '<html lang="fr"' in document.content.decode()
        and "À bientôt à nos boutiques." in document.content.decode()
    )
    assert "'unsafe-inline'" in document["Content-Security-Policy"]
    assert "script-src 'none'" in document["Content-Security-Policy"]
    assert document["X-Frame-Options"] == "SAMEORIGIN"
    # Another user of the same brand cannot read this person's draft.
    assert client_for(brand, "owner").get(documents[1].replace("&amp;", "&")).status_code == 404


def test_live_preview_shows_problems_at_their_line(client_for, brand):
    client = client_for(brand, "marketer")
    html = client.post(
        PREVIEW, {**VALID, "subject_fr": "ok", "body_fr": "a\nb\n{{ unknown_thing }}"}
    ).content.decode()
    assert 'data-goto-field="id_body_fr" data-goto-line="3"' in html
    assert "Message (French) · Line 3: Unknown variable" in html
    assert "<iframe" not in html
