"""The warranty card PDF: the brand's colour and name, the piece, the owner, the gift line, the QR code."""

from __future__ import annotations

import pytest

from customers.tests.factories import CustomerFactory
from tests.factories import ProductFactory, StoreFactory
from warranties.inventory.tests.factories import ItemFactory
from warranties.pdf import warranty_card_pdf
from warranties.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def _card(brand, **registration):
    brand.primary_colour = "#7A1F3D"
    brand.postal_address = "12 rue de la Paix, Paris"
    brand.save()
    store = StoreFactory(brand=brand, name="Saint-Honore", city="Paris")
    product = ProductFactory(brand=brand, name_en="Aurore ring", reference="AUR-R-01")
    item = ItemFactory(brand=brand, product=product, current_store=store, status="sold")
    customer = CustomerFactory(brand=brand, first_name="Lea", last_name="Martin")
    registration = RegistrationFactory(brand=brand, store=store, item=item, customer=customer, **registration)
    return warranty_card_pdf(registration=registration, compress=False), item


def test_the_card_is_branded_and_names_the_piece_and_owner(brand):
    pdf, item = _card(brand)
    assert pdf.startswith(b"%PDF")
    assert b".478431 .121569 .239216 rg" in pdf  # the band in #7A1F3D
    for text in (
        b"Maison Test",
        b"Aurore ring",
        b"Lea Martin",
        b"Saint-Honore, Paris",
        b"12 rue de la Paix, Paris",
    ):
        assert text in pdf, text
    assert item.serial.encode() in pdf and item.public_code.encode() in pdf
    assert b"Gift for" not in pdf


def test_the_card_has_the_gift_line_the_web_card_has(brand):
    pdf, _item = _card(brand, is_gift=True, gift_recipient_name="Paul")
    assert b"GIFT FOR" in pdf and b"Paul" in pdf
