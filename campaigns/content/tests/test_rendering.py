"""render_batch and render_preview: what the campaign engine calls."""

from __future__ import annotations

import datetime

import pytest

from campaigns.content.rendering import Recipient, RenderedEmail, render_batch, render_preview
from campaigns.content.tests.factories import EmailTemplateFactory
from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_preview_personalises_subject_body_layout_and_text(brand):
    brand.postal_address = "1 Place Vendôme, Paris"
    brand.save()
    store = StoreFactory(brand=brand, name="Vendôme")
    customer = CustomerFactory(
        brand=brand, title="Mrs", first_name="Anna", last_name="Weber", home_store=store
    )
    template = EmailTemplateFactory(brand=brand)
    with brand_context(brand):
        email = render_preview(brand=brand, template=template, customer_id=customer.pk, language="en")
    assert isinstance(email, RenderedEmail)
    assert email.language == "en"
    assert email.subject == "Happy birthday, Anna"
    assert email.text.startswith("Dear Mrs Weber,\n\nVisit Vendôme for a gift.\n\nhttps://example.com/gift")
    assert "1 Place Vendôme, Paris" in email.text
    assert '<html lang="en"' in email.html
    assert "<title>Happy birthday, Anna</title>" in email.html
    assert "<p>Visit Vendôme for a gift.</p>" in email.html
    assert 'href="https://example.com/gift"' in email.html  # a preview is not tracked
    assert "1 Place Vendôme, Paris" in email.html
    assert "you agreed to hear from Maison Test" in email.html
    # The platform's one responsive layout: 600 px sheet, narrower padding on phones, branded header.
    assert "max-width:600px" in email.html and "@media (max-width: 620px)" in email.html
    assert 'data-testid="email-header"' in email.html and "#1F3A5F" in email.html


def test_missing_values_fall_back(brand):
    customer = CustomerFactory(brand=brand, title="", first_name="", last_name="")
    template = EmailTemplateFactory(brand=brand)
    with brand_context(brand):
        fr = render_preview(brand=brand, template=template, customer_id=customer.pk, language="fr")
        en = render_preview(brand=brand, template=template, customer_id=customer.pk, language="en")
    assert fr.subject == "Joyeux anniversaire, chère amie"
    assert fr.text.startswith("Bonjour,\n\nPassez à nos boutiques pour un cadeau.")
    assert en.subject == "Happy birthday, dear friend"
    assert en.text.startswith("Dear customer,\n\nVisit our boutiques for a gift.")


def test_language_falls_back_to_the_brand_default(brand):
    # The brand's languages are ["fr", "en"]: French first.
    customer = CustomerFactory(brand=brand, first_name="Anna")
    template = EmailTemplateFactory(brand=brand)
    only_en = EmailTemplateFactory(brand=brand, body_fr="", subject_fr="")
    with brand_context(brand):
        emails = render_batch(
            brand=brand,
            template=template,
            recipients=[Recipient(customer.pk, "de", "k1"), Recipient(customer.pk, "", "k2")],
        )
        english = render_batch(brand=brand, template=only_en, recipients=[Recipient(customer.pk, "fr", "k3")])
    assert [e.language for e in emails] == ["fr", "fr"]
    assert emails[0].subject == "Joyeux anniversaire, Anna"
    assert english[0].language == "en"


def test_batch_keeps_order_and_occasion(brand):
    a = CustomerFactory(brand=brand, first_name="Anna", birth_date=datetime.date(1980, 6, 12))
    b = CustomerFactory(brand=brand, first_name="Bruno")
    template = EmailTemplateFactory(
        brand=brand,
        body_en="{{ first_name }} {{ birthday|date('d MMMM') }} {{ recipient_name }} {{ recipient_relation }}"
        " {{ occasion_date|date }}",
    )
    occasion = {"date": "2026-06-12", "recipient_name": "Léa", "recipient_relation": "child"}
    with brand_context(brand):
        emails = render_batch(
            brand=brand,
            template=template,
            recipients=[Recipient(b.pk, "en", "x:1"), Recipient(a.pk, "en", "x:2", occasion)],
        )
    assert [e.customer_id for e in emails] == [b.pk, a.pk]
    assert emails[0].text.startswith("Bruno  your loved one\n")
    assert emails[1].text.startswith("Anna 12 June Léa Child June 12, 2026\n")


def test_the_birthstone_of_the_occasions_month_in_the_recipients_language(brand):
    customer = CustomerFactory(brand=brand, first_name="Anna")
    template = EmailTemplateFactory(
        brand=brand,
        body_en="A {{ birthstone }} for {{ recipient_name }}.",
        body_fr="Pierre du mois pour {{ recipient_name }} : {{ birthstone }}."
    )
    june = {"date": "2027-05-29", "month": 6, "recipient_name": "Léa"}
    december = {"date": "2027-12-03"}
    with brand_context(brand):
        english = render_batch(
            brand=brand,
            template=template,
            recipients=[
                Recipient(customer.pk, "en", "g:1", june),
                Recipient(customer.pk, "en", "g:2", december),
            ],
        )
        french = render_batch(
            brand=brand, template=template, recipients=[Recipient(customer.pk, "fr", "g:3", june)]
        )
    assert english[0].text.startswith("A pearl for Léa.")
    assert english[1].text.startswith("A turquoise for your loved one.")
    assert french[0].text.startswith("Pierre du mois pour Léa : perle.")
