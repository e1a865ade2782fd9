"""Every e-mail is the brand's one responsive layout (name or logo in its colour, footer with its postal
address and the reason), with a plain-text part, in the recipient's language with `lang` to match."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory
from warranties import emails
from warranties.inventory.tests.factories import ItemFactory
from warranties.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(brand):
    brand.primary_colour = "#7A1F3D"
    brand.postal_address = "12 rue de la Paix, 75002 Paris"
    brand.save()
    store = StoreFactory(brand=brand, name="Aurore Saint-Honoré")
    product = ProductFactory(brand=brand, name_en="Aurore ring", name_fr="Bague Aurore")

    def make(language):
        customer = CustomerFactory(
            brand=brand, first_name="Léa", email=f"lea-{language}@example.test", language=language
        )
        item = ItemFactory(brand=brand, product=product, current_store=store, status="sold", owner=customer)
        return RegistrationFactory(
            brand=brand, store=store, item=item, customer=customer, warranty_ends_on=date(2028, 12, 5)
        )

    return make


def _html(message):
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.mark.parametrize(
    ("language", "sentence", "day", "reason"),
    [
        (
            "fr",
            "La garantie de votre pièce Bague Aurore, achetée chez Aurore Saint-Honoré",
            "5 déc. 2028",
            "Vous recevez cet e-mail parce qu’une pièce Maison Test a été enregistrée à votre nom.",
        ),
        (
            "en",
            "The warranty of your piece Aurore ring, bought at Aurore Saint-Honoré",
            "5 Dec 2028",
            "You receive this e-mail because a piece of Maison Test was registered in your name.",
        ),
    ],
)
def test_the_sale_email_is_branded_correct_and_in_the_owner_s_language(
    brand, sale, language, sentence, day, reason, django_capture_on_commit_callbacks
):
    registration = sale(language)
    # Recorded in the send log, sent by its delivery after the commit.
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        message = emails.registration_email_record(
            brand=brand, registration=registration, customer=registration.customer
        )
        assert message is not None and message.language == language
    message = mail.outbox[-1]
    html = _html(message)
    assert f'<html lang="{language}"' in html
    assert sentence in html and sentence in message.body
    assert day in html and day in message.body
    assert "background:#7A1F3D" in html  # the header in the brand's colour
    assert re.search(r'data-testid="email-footer".*' + re.escape(reason), html, re.S)
    assert "12 rue de la Paix, 75002 Paris" in html
    assert "<a href=" not in message.body  # the plain-text part is text
    assert 'name="viewport"' in html and "max-width:600px" in html


def test_portal_emails_get_the_same_layout(brand, django_capture_on_commit_callbacks):
    from warranties.portal import emails as portal_emails

    brand.postal_address = "Quai du Mont-Blanc 7, Genève"
    brand.save()
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        portal_emails._send(
            to=["owner@example.test"],
            template="sign_in",
            context={"brand_name": brand.name, "url": "http://testserver/portal/x/link/abc/", "minutes": 10},
            language="fr",
            brand=brand,
        )
    message = mail.outbox[-1]
    html = _html(message)
    assert '<html lang="fr"' in html
    assert '<a href="http://testserver/portal/x/link/abc/"' in html
    assert "Quai du Mont-Blanc 7, Genève" in html
    assert "espace propriétaire Maison Test" in html
    assert "http://testserver/portal/x/link/abc/" in message.body
