"""A marketer imports the ERP customer file, checks the columns and the preview, runs it in the background,
reads the report, then opens an imported customer's 360 page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from customers.models import Customer
from jewelcrm.imports.services import import_file_run
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DATA = Path(__file__).resolve().parents[2] / "jewelcrm" / "imports" / "tests" / "data"


def test_marketer_imports_erp_customers_and_opens_a_360(page, login, screenshot, celery_worker):
    brand = BrandFactory(name="Maison Aurore", slug="maison-aurore")
    import_file_run(brand=brand, kind="stores", path=str(DATA / "stores.csv"))
    marketer = MembershipFactory(brand=brand, role="marketer", user=UserFactory(email="marketer@aurore.test"))
    login(page, marketer.user.email)

    page.get_by_test_id("mainnav").get_by_role("link", name="Imports").click()
    page.get_by_test_id("new-import").click()
    page.get_by_label("What does the file contain?").select_option("customers")
    page.get_by_label("File (CSV or Excel .xlsx)").set_input_files(str(DATA / "erp_customers.csv"))
    page.get_by_role("button", name="Continue").click()

    # Column mapping: the French headers are recognised.
    assert page.get_by_label("Customer number").input_value() == "N° client"
    assert page.get_by_label("Phone").input_value() == "Téléphone"
    assert page.get_by_label("E-mail opt-in").input_value() == "Opt-in e-mail"
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_test_id("preview")
    assert "francoise.moreau@outlook.com" in preview.inner_text()
    assert "is not a valid phone number" in preview.inner_text()  # row 4 of the file
    page.get_by_label("Import the valid rows, report the rest").check()
    page.get_by_test_id("run-import").click()

    counts = page.get_by_test_id("import-counts")
    counts.wait_for(timeout=90_000)  # the progress bar polls until the worker is done
    assert page.get_by_test_id("count-created").inner_text() == "1037"
    assert page.get_by_test_id("count-rejected").inner_text() == "193"
    problems = page.get_by_test_id("import-problems").inner_text()
    assert "31/02/1980" in problems or "not a valid" in problems
    assert page.get_by_test_id("report-download").is_visible()
    assert page.console_errors == []
    screenshot(page, "import")

    with brand_context(brand):
        customer = Customer.objects.get(external_id="C100001")
    page.goto(reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": customer.pk}))
    body = page.locator("main").inner_text()
    assert "Moreau" in body
    assert "francoise.moreau@outlook.com" in body
