"""Every importer on the sample files (copied from ../shared/data into tests/data), with exact counts.

How the expected counts were established, by reading the files:

- stores.csv: 9 stores, all valid; 6 distinct retailers ("Maison (own)" is the brand's own retail).
- erp_products.csv (Windows-1252, ';'): 53 data rows. Row 53 is the placeholder "BR-XXXX ... (ne pas
  importer)" with price "N/A" (2 problems), row 54 repeats reference BA-1009 of row 2.
  51 imported, 2 rejected.
- serials.csv: 770 data rows. Row 769 repeats serial BA86943881 of row 2, row 770 has no serial,
  row 771 has reference NOPE-0000 that the catalogue does not know. 767 imported, 3 rejected.
- erp_customers.csv (UTF-8 with BOM, ';'): 1230 data rows, 200 problems on 193 rows:
  141 phones that are not valid numbers for the row's country (phonenumbers: e.g. "+44 20 5450 2988",
  "+1 212 123 9583", French 069x mobiles), 42 e-mails written "name at domain", 17 birth dates 31/02/1980;
  7 rows carry two of these. 1230 - 193 = 1037 customers created. Opt-ins: 889 non-empty e-mail cells
  (448 yes, 441 no) and 702 SMS cells (341 yes, 361 no) on the accepted rows: 1591 ledger entries.
  The 50 e-mails shared by two customer numbers stay two profiles (45 among the accepted rows): they
  are the dedupe review's job, not the import's.
- eshop_orders.csv: 2916 rows = 2268 orders (one row per line item), all valid: 1992 paid,
  90 refunded, 61 partially refunded, 68 pending (no payment date), 57 voided -> cancelled.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from multiprocessing.pool import ThreadPool

import pytest

from customers.models import Consent, Customer, Order, OrderLine
from jewelcrm.catalog.models import Product
from jewelcrm.retail.models import Retailer, Store
from jewelcrm.tenancy.context import brand_context
from warranties.inventory.models import Item, StockMovement

pytestmark = pytest.mark.django_db


def counts(result):
    return (result.rows_total, result.created, result.updated, result.unchanged, result.rejected)


def test_stores_sample(brand, run_import):
    result = run_import(brand, "stores", "stores.csv")
    assert counts(result) == (9, 9, 0, 0, 0)
    assert result.summary == {"retailers_created": 6}
    with brand_context(brand):
        eshop = Store.objects.get(code="WEB-EU")
        assert (eshop.type, eshop.currency, eshop.time_zone, eshop.retailer.name, eshop.retailer.is_own) == (
            "eshop",
            "EUR",
            "Europe/Paris",
            "Maison",
            True,
        )
        assert Store.objects.get(code="GVA-01").country.code == "CH"
        assert Retailer.objects.filter(is_own=True).count() == 1
    assert counts(run_import(brand, "stores", "stores.csv")) == (9, 0, 0, 9, 0)


def test_products_sample(brand, run_import):
    result = run_import(brand, "products", "erp_products.csv")
    assert counts(result) == (53, 51, 0, 0, 2)
    assert [(p.row, p.column, p.value) for p in result.problems] == [
        (53, "Référence", "BR-XXXX"),
        (53, "Prix public TTC", "N/A"),
        (54, "Référence", "BA-1009"),
    ]
    assert result.problems[2].reason == "Same reference as row 2."
    with brand_context(brand):
        # "9\u202f260,00 €" (narrow no-break space, decimal comma, euro sign) and "6340.00" (decimal point).
        assert Product.objects.get(reference="CO-1037").price == Decimal("9260.00")
        assert Product.objects.get(reference="BA-1013").price == Decimal("6340.00")
        assert Product.objects.get(reference="BR-1023").price == Decimal("3220.00")
        ring = Product.objects.get(reference="BA-1013")
        assert (ring.name_fr, ring.category, ring.stones, ring.warranty_months) == (
            "Bague Aurore émeraude",
            "ring",
            "Émeraude",
            24,
        )
        assert Product.objects.get(reference="MO-1202").category == "watch"
        assert Product.objects.get(reference="BA-1009").name_fr == "Bague Aurore"  # the first row wins
    assert counts(run_import(brand, "products", "erp_products.csv")) == (53, 0, 0, 51, 2)


def test_serials_sample(network, run_import):
    result = run_import(network, "serials", "serials.csv")
    assert counts(result) == (770, 767, 0, 0, 3)
    assert [(p.row, p.reason) for p in result.problems] == [
        (769, "Same serial as row 2."),
        (770, "The serial is missing."),
        (771, "Unknown product reference."),
    ]
    with brand_context(network):
        item = Item.objects.select_related("current_store", "product").get(serial="BA86943881")
        assert (item.product.reference, item.current_store.code, item.status, str(item.shipped_on)) == (
            "BA-1009",
            "GVA-01",
            "in_stock",
            "2024-01-31",
        )
        assert item.public_code.startswith(network.code_prefix)
        assert Item.objects.values("public_code").distinct().count() == 767
        movement = StockMovement.objects.get(item=item)
        assert (movement.kind, movement.to_store_id, movement.received_at is not None) == (
            "shipment",
            item.current_store_id,
            True,
        )
    again = run_import(network, "serials", "serials.csv")
    assert counts(again) == (770, 0, 0, 767, 3)
    with brand_context(network):
        assert StockMovement.objects.count() == 767


def test_customers_sample(network, run_import):
    result = run_import(network, "customers", "erp_customers.csv")
    assert counts(result) == (1230, 1037, 0, 0, 193)
    assert result.problems_total == 200
    assert Counter(p.column for p in result.problems) == {
        "Téléphone": 141,
        "E-mail": 42,
        "Date de naissance": 17,
    }
    first = result.problems[0]
    assert (first.row, first.column, first.value) == (4, "Téléphone", "+44 20 5450 2988")
    impossible = next(p for p in result.problems if p.column == "Date de naissance")
    assert (impossible.row, impossible.value, impossible.reason) == (
        14,
        "31/02/1980",
        "This date does not exist.",
    )
    assert result.summary == {"consent_entries_recorded": 1591}
    with brand_context(network):
        assert Customer.objects.count() == 1037
        c = Customer.objects.select_related("home_store").get(external_id="C100001")
        # "1958-12-12", "18/08/2022", "+44 20 1884 3277", country "BE", language "FR", opt-in "O".
        assert (c.title, c.last_name, c.email, c.phone, str(c.birth_date), str(c.wedding_anniversary)) == (
            "Mme",
            "Moreau",
            "francoise.moreau@outlook.com",
            "+442018843277",
            "1958-12-12",
            "2022-08-18",
        )
        assert (c.country.code, c.language, c.home_store.code, str(c.customer_since)) == (
            "BE",
            "fr",
            "PAR-GL",
            "2024-09-25",
        )
        # National forms read in the row's country: "06.58.51.57.99" in France,
        # "079 518 58 21" in Switzerland.
        assert Customer.objects.get(external_id="C100004").phone == "+33658515799"
        assert Customer.objects.get(external_id="C100005").phone == "+41795185821"
        # Two-digit years, dotted dates, "  THEO.VINCENT@OUTLOOK.COM " trimmed and lower-cased.
        assert str(Customer.objects.get(external_id="C100015").birth_date) == "1978-02-02"
        assert Customer.objects.filter(email="theo.vincent@outlook.com").count() == 1
        assert Customer.objects.get(external_id="C100014").country.code == "GB"  # "UK"
        ledger = Counter(Consent.objects.filter(source="import").values_list("channel", "is_granted"))
        assert ledger == {
            ("email", True): 448,
            ("email", False): 441,
            ("sms", True): 341,
            ("sms", False): 361,
        }
        assert not Consent.objects.filter(
            is_confirmed=True
        ).exists()  # an import never confirms a double opt-in
    again = run_import(network, "customers", "erp_customers.csv")
    assert counts(again) == (1230, 0, 0, 1037, 193)
    assert again.summary == {"consent_entries_recorded": 0}
    with brand_context(network):
        assert Customer.objects.count() == 1037
        assert Consent.objects.count() == 1591


def test_customers_update_keeps_unknown_values_and_records_changed_consent(network, run_import, tmp_path):
    run_import(network, "customers", "erp_customers.csv")
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "N° client;Nom;Ville;Opt-in e-mail;Date de naissance\nC100001;Moreau-Petit;Namur;Non;\n",
        encoding="utf-8",
    )
    result = run_import(network, "customers", changed)
    assert counts(result) == (1, 0, 1, 0, 0)
    with brand_context(network):
        c = Customer.objects.get(external_id="C100001")
        assert (c.last_name, c.city, str(c.birth_date), c.email) == (
            "Moreau-Petit",
            "Namur",
            "1958-12-12",
            "francoise.moreau@outlook.com",
        )
        entries = list(
            Consent.objects.filter(customer=c, channel="email")
            .order_by("at", "id")
            .values_list("is_granted", flat=True)
        )
        assert entries == [True, False]


def test_customers_match_by_email_then_phone(brand, run_import, tmp_path):
    from customers.tests.factories import CustomerFactory

    by_email = CustomerFactory(brand=brand, email="ana@example.com", phone="", external_id="")
    by_phone = CustomerFactory(brand=brand, email="", phone="+33612345678", external_id="")
    path = tmp_path / "c.csv"
    path.write_text(
        "N° client;Nom;E-mail;Téléphone;Pays\nX1;Anaïs;ANA@example.com;;FR\nX2;Paul;;06 12 34 56 78;FR\n",
        encoding="utf-8",
    )
    assert counts(run_import(brand, "customers", path)) == (2, 0, 2, 0, 0)
    with brand_context(brand):
        by_email.refresh_from_db()
        by_phone.refresh_from_db()
        assert (by_email.external_id, by_email.last_name) == ("X1", "Anaïs")
        assert (by_phone.external_id, by_phone.last_name) == ("X2", "Paul")
        assert Customer.objects.count() == 2


def test_orders_sample_after_customers(network, run_import):
    run_import(network, "customers", "erp_customers.csv")
    result = run_import(network, "orders", "eshop_orders.csv")
    assert counts(result) == (2916, 2916, 0, 0, 0)
    assert result.summary["orders_created"] == 2268
    # Customers matched by e-mail among the ERP profiles; the others are created from the billing fields.
    assert result.summary["customers_created"] == 117
    with brand_context(network):
        assert Order.objects.count() == 2268
        assert OrderLine.objects.count() == 2916
        assert Counter(Order.objects.values_list("status", flat=True)) == {
            "paid": 1992,
            "refunded": 90,
            "partially_refunded": 61,
            "pending": 68,
            "cancelled": 57,
        }
        assert Order.objects.filter(status="pending", paid_at__isnull=True).count() == 68
        order = Order.objects.select_related("customer").get(external_id="5000001001")
        assert (
            order.total,
            order.currency,
            order.total_brand_currency,
            order.customer.email,
            order.source,
        ) == (Decimal("6750.00"), "EUR", Decimal("6750.00"), "ana.andre@yahoo.fr", "eshop")
        assert sorted(order.lines.values_list("sku", flat=True)) == ["BO-1054", "BO-1185", "BO-1231"]
        assert order.lines.get(sku="BO-1185").product.reference == "BO-1185"
        refunded = Order.objects.get(external_id="5000001017")
        assert (refunded.status, refunded.refunded_amount) == ("refunded", Decimal("4180.00"))
        assert Order.objects.filter(customer__isnull=True).count() == 0
    again = run_import(network, "orders", "eshop_orders.csv")
    assert counts(again) == (2916, 0, 0, 2916, 0)
    assert again.summary["customers_created"] == 0
    with brand_context(network):
        assert OrderLine.objects.count() == 2916


def test_orders_converted_to_brand_currency_and_changed_lines_rewritten(brand, run_import, tmp_path):
    path = tmp_path / "o.csv"
    header = (
        "Name,Email,Financial Status,Paid at,Currency,Total,Created at,"
        "Lineitem quantity,Lineitem price,Lineitem sku,Id\n"
    )
    at = "2024-03-05 10:00:00 +0100"
    path.write_text(header + f"#1,a@example.com,paid,{at},CHF,1050.00,{at},1,1050.00,X-1,9001\n")
    result = run_import(brand, "orders", path)
    assert counts(result) == (1, 1, 0, 0, 0)
    with brand_context(brand):
        order = Order.objects.get(external_id="9001")
        # Reference rate of March 2024: 1 CHF = 1.05 EUR (jewelcrm/imports/data/exchange_rates.csv).
        assert order.total_brand_currency == Decimal("1102.50")
    path.write_text(header + f"#1,a@example.com,paid,{at},CHF,1050.00,{at},2,525.00,X-1,9001\n")
    assert counts(run_import(brand, "orders", path)) == (1, 0, 1, 0, 0)
    with brand_context(brand):
        assert list(OrderLine.objects.values_list("quantity", "unit_price")) == [(2, Decimal("525.00"))]


def test_order_with_a_bad_line_is_rejected_whole(brand, run_import, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(
        "Name,Email,Financial Status,Total,Created at,Lineitem quantity,Lineitem price,Lineitem sku\n"
        "#1,a@example.com,paid,20.00,2024-03-05,1,10.00,A\n"
        "#1,,,,2024-03-05,1,dix,B\n"
        "#2,b@example.com,paid,5.00,2024-03-06,1,5.00,C\n"
    )
    result = run_import(brand, "orders", path)
    assert counts(result) == (3, 1, 0, 0, 2)
    assert [(p.row, p.reason) for p in result.problems] == [
        (2, "Order rejected because of row 3."),
        (3, "Not an amount."),
    ]
    with brand_context(brand):
        assert list(Order.objects.values_list("external_id", flat=True)) == ["#2"]


def test_customers_cleaned_in_worker_processes_give_the_same_result(network, run_import, monkeypatch):
    from jewelcrm.imports import framework

    monkeypatch.setattr(framework, "PARALLEL_MIN_BYTES", 0)
    # The command line forks worker processes; inside the test process (threads, captured output) the same
    # chunking, pure cleaning and in-order accept() run on a pool of threads.
    monkeypatch.setattr(framework, "_pool_factory", ThreadPool)
    result = run_import(network, "customers", "erp_customers.csv", clean_workers=2)
    assert counts(result) == (1230, 1037, 0, 0, 193)
    assert Counter(p.column for p in result.problems) == {
        "Téléphone": 141,
        "E-mail": 42,
        "Date de naissance": 17,
    }
    assert [p.row for p in result.problems] == sorted(p.row for p in result.problems)
    assert counts(run_import(network, "customers", "erp_customers.csv", clean_workers=2)) == (
        1230,
        0,
        0,
        1037,
        193,
    )


def test_orders_cleaned_in_worker_processes_give_the_same_result(network, run_import, monkeypatch, tmp_path):
    from jewelcrm.imports import framework

    monkeypatch.setattr(framework, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(framework, "CLEAN_CHUNK_ROWS", 7)  # many chunks: an order is never split
    monkeypatch.setattr(framework, "_pool_factory", ThreadPool)
    result = run_import(network, "orders", "eshop_orders.csv", clean_workers=2)
    assert counts(result) == (2916, 2916, 0, 0, 0)
    assert result.summary["orders_created"] == 2268
    # An order whose rows do not follow each other is rejected whole, wherever the chunks fall.
    path = tmp_path / "o.csv"
    path.write_text(
        "Name,Email,Total,Created at,Lineitem price,Lineitem sku\n"
        + "".join(f"#{n},a{n}@example.com,1.00,2024-03-05,1.00,X\n" for n in range(1, 10))
        + "#3,a3@example.com,1.00,2024-03-05,1.00,X\n#3,,,2024-03-05,1.00,Y\n"
    )
    result = run_import(network, "orders", path, clean_workers=2)
    assert counts(result) == (11, 9, 0, 0, 2)
    assert [(p.row, p.reason) for p in result.problems] == [
        (11, "Same order as row 4: the lines of an order must follow each other."),
        (12, "Order rejected because of row 11."),
    ]
