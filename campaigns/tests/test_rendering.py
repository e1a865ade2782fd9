"""The built-in wording of a journey and a campaign's own message leave in the one branded layout: the
language's `lang`, the brand in the header, the footer that says why the person gets it and holds the
unsubscribe link (campaigns.delivery fills it), the plain-text part beside it."""

from __future__ import annotations

import pytest

from campaigns import rendering
from campaigns.delivery.policy import FOOTER_MARKER

pytestmark = pytest.mark.django_db


def test_a_journeys_built_in_wording_is_laid_out_in_the_recipients_language(brand):
    email = rendering.render_default(kind="birthday", brand=brand, first_name="Élodie", language="fr")
    assert email.subject == "Joyeux anniversaire, Élodie"
    assert email.text.startswith("Toute l")
    assert '<html lang="fr"' in email.html
    assert brand.name in email.html.split("<body", 1)[1]
    footer = email.html.split('data-testid="email-footer"', 1)[1]
    assert "vous avez accepté d’être informé(e) par e-mail par " + brand.name in footer
    assert FOOTER_MARKER in footer
    english = rendering.render_default(kind="birthday", brand=brand, first_name="", language="en")
    assert english.subject == "Happy birthday, dear client"
    assert '<html lang="en"' in english.html and "you agreed to hear from" in english.html


def test_a_campaigns_own_message_is_escaped_and_laid_out(brand):
    email = rendering.render_plain(
        subject="News for {first_name}",
        body="Hello {first_name},\n\n<b>New</b> rings at {brand}: https://shop.example.test/rings",
        first_name="Anna",
        brand=brand,
        language="en",
    )
    assert email.subject == "News for Anna"
    assert email.text == f"Hello Anna,\n\n<b>New</b> rings at {brand.name}: https://shop.example.test/rings"
    assert "&lt;b&gt;New&lt;/b&gt;" in email.html and "<b>New</b>" not in email.html
    assert 'href="https://shop.example.test/rings"' in email.html
    assert '<html lang="en"' in email.html and FOOTER_MARKER in email.html
