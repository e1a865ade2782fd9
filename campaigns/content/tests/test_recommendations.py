"""The recommendations block, exact on hand-built data: complements first, then bought together."""

from __future__ import annotations

import pytest

from campaigns.content import recommendations
from campaigns.content.rendering import Recipient, render_batch
from campaigns.content.tests.factories import EmailTemplateFactory
from customers.tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from jewelcrm.catalog.models import ProductComplement
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def _bought(brand, customer, *products, status="paid"):
    order = OrderFactory(brand=brand, customer=customer, status=status)
    for product in products:
        OrderLineFactory(brand=brand, order=order, product=product)


@pytest.fixture
def catalogue(brand):
    p = {n: ProductFactory(brand=brand, reference=f"R{n}", name_en=f"Piece {n}", name_fr=f"Pièce {n}",
                           collection="Aurore" if n < 4 else "Lune") for n in range(1, 8)}  # fmt: skip
    with brand_context(brand):
        for source, target in ((1, 3), (1, 2), (4, 7)):
            ProductComplement.objects.create(brand=brand, from_product=p[source], to_product=p[target])
    x, y, z, w = (CustomerFactory(brand=brand) for _ in range(4))
    _bought(brand, x, p[1], p[4])
    _bought(brand, y, p[1])
    _bought(brand, y, p[4])  # another visit of the same customer: still bought together
    _bought(brand, y, p[1])  # twice the same piece: counts once
    _bought(brand, z, p[1], p[5])
    _bought(brand, w, p[4], p[6])
    _bought(brand, w, p[1], status="cancelled")  # cancelled: not a purchase
    _bought(brand, z, p[6], status="refunded")
    return p


def test_co_purchase_counts_are_exact(brand, catalogue):
    p = {n: product.pk for n, product in catalogue.items()}
    with brand_context(brand):
        together = recommendations.bought_together_compute(brand=brand)
    assert together == {
        p[1]: [(p[4], 2), (p[5], 1)],
        p[4]: [(p[1], 2), (p[6], 1)],
        p[5]: [(p[1], 1)],
        p[6]: [(p[4], 1)],
    }


def test_co_purchase_counts_are_cached_per_brand(brand, other_brand, catalogue, django_assert_num_queries):
    with brand_context(brand):
        with django_assert_num_queries(1):
            first = recommendations.bought_together(brand=brand)
        with django_assert_num_queries(0):
            assert recommendations.bought_together(brand=brand) == first
    with brand_context(other_brand), django_assert_num_queries(1):
        assert recommendations.bought_together(brand=other_brand) == {}


def test_recipients_get_complements_then_bought_together(brand, catalogue):
    p = catalogue
    owner = CustomerFactory(brand=brand, first_name="Anna")  # owns piece 1 (a registered item)
    ItemFactory(brand=brand, product=p[1], owner=owner, status="sold")
    buyer = CustomerFactory(brand=brand, first_name="Bruno")  # bought piece 4
    _bought(brand, buyer, p[4])
    nobody = CustomerFactory(brand=brand, first_name="Chloé")
    p[3].is_active = False
    with brand_context(brand):
        p[3].save()
    template = EmailTemplateFactory(brand=brand, has_recommendations=True, body_en="Hello {{ first_name }}")
    with brand_context(brand):
        emails = render_batch(
            brand=brand,
            template=template,
            recipients=[Recipient(owner.pk, "en"), Recipient(buyer.pk, "en"), Recipient(nobody.pk, "fr")],
        )
    # Anna: complement 2 (3 is inactive), then bought with 1: 4 (2 customers), 5 (1); three shown.
    assert "Chosen for you\n- Piece 2 (Aurore)\n- Piece 4 (Lune)\n- Piece 5 (Lune)\n" in emails[0].text
    assert emails[0].html.count("<li ") == 3
    # Bruno: complement 7, then bought with 4: 1 (2 customers), 6 (1).
    assert "Chosen for you\n- Piece 7 (Lune)\n- Piece 1 (Aurore)\n- Piece 6 (Lune)\n" in emails[1].text
    # Chloé owns nothing: no block at all.
    assert "Choisis pour vous" not in emails[2].text
    assert 'data-testid="email-recommendations"' not in emails[2].html


def test_pieces_owned_in_the_recipients_language(brand, catalogue):
    p = catalogue
    customer = CustomerFactory(brand=brand)
    ItemFactory(brand=brand, product=p[2], owner=customer, status="sold")
    _bought(brand, customer, p[5])
    template = EmailTemplateFactory(
        brand=brand,
        body_en="{{ piece_names }} / {{ last_piece }} / {{ collections|join(', ') }}",
        body_fr="{{ piece_names }} / {% for x in pieces %}{{ x.name }};{% endfor %}",
    )
    with brand_context(brand):
        en, fr = render_batch(
            brand=brand,
            template=template,
            recipients=[Recipient(customer.pk, "en"), Recipient(customer.pk, "fr")],
        )
    assert en.text.startswith("Piece 2, Piece 5 / Piece 2 / Aurore, Lune\n")
    assert fr.text.startswith("Pièce 2, Pièce 5 / Pièce 2;Pièce 5;\n")
