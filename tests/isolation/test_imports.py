"""ISO-03 through an import file: brand A's files name brand B's store codes, product references,
serials, customer numbers and e-mails, and B's database ids. Each is unknown in A (the row is refused
with its reason) or becomes A's own new row; not one row of B changes (a checksum of every brand table as
B sees it), and no row of A points at one of B's."""

from __future__ import annotations

import pytest

from customers.models import Customer, Order
from customers.tests.factories import CustomerFactory, OrderFactory
from jewelcrm.imports.runs import import_file_run
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory
from tests.isolation.test_every_route import _checksum
from warranties.inventory.models import Item

pytestmark = pytest.mark.django_db


def _import(brand, kind, tmp_path, text):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    return import_file_run(brand=brand, kind=kind, path=str(path))


def test_an_import_file_smuggling_another_brands_ids_changes_nothing_of_it(brand, other_brand, tmp_path):
    mine_store, mine_product = (
        StoreFactory(brand=brand, code="A-01"),
        ProductFactory(brand=brand, reference="A-1"),
    )
    theirs_store = StoreFactory(brand=other_brand, code="B-01")
    theirs_product = ProductFactory(brand=other_brand, reference="B-1")
    theirs_customer = CustomerFactory(
        brand=other_brand, external_id="B100", email="bea@b.test", last_name="Bee"
    )
    OrderFactory(brand=other_brand, customer=theirs_customer, external_id="9001")
    before = _checksum(other_brand)

    serials = _import(
        brand,
        "serials",
        tmp_path,
        "serial,reference,store_code\n"
        "SA1,A-1,A-01\n"  # A's own: written
        "SB1,B-1,A-01\n"  # B's reference
        f"SB2,{theirs_product.pk},A-01\n"  # B's product id
        "SB3,A-1,B-01\n"  # B's store code
        f"SB4,A-1,{theirs_store.pk}\n",  # B's store id
    )
    assert serials.created == 1 and serials.rejected == 4
    assert [(p.row, p.column, p.value) for p in serials.problems] == [
        (3, "reference", "B-1"),
        (4, "reference", str(theirs_product.pk)),
        (5, "store_code", "B-01"),
        (6, "store_code", str(theirs_store.pk)),
    ]

    customers = _import(
        brand,
        "customers",
        tmp_path,
        "N° client;Nom;E-mail;Magasin\n"
        "B100;Forged;bea@b.test;A-01\n"  # B's customer number and e-mail: a new customer of A's
        f"{theirs_customer.pk};Forged;x@a.test;B-01\n",  # B's customer id and B's store code
    )
    assert (customers.created, customers.updated, customers.rejected) == (1, 0, 1)
    assert [(p.row, p.column, p.value) for p in customers.problems] == [(3, "Magasin", "B-01")]

    orders = _import(
        brand,
        "orders",
        tmp_path,
        "Name,Email,Financial Status,Currency,Total,Created at,"
        "Lineitem quantity,Lineitem price,Lineitem sku,Id\n"
        "#1,bea@b.test,paid,EUR,10.00,2025-01-02 10:00:00 +0100,1,10.00,B-1,9001\n",
    )
    assert (orders.created, orders.updated) == (1, 0)

    assert _checksum(other_brand) == before  # not one row of B changed
    with brand_context(brand):
        assert list(Item.objects.values_list("serial", "product_id", "current_store_id")) == [
            ("SA1", mine_product.pk, mine_store.pk)
        ]
        assert list(Customer.objects.values_list("external_id", "last_name", "home_store_id")) == [
            ("B100", "Forged", mine_store.pk)
        ]
        order = Order.objects.get()
        assert order.customer_id == Customer.objects.get().pk != theirs_customer.pk
