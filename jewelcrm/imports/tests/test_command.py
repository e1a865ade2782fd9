from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from customers.models import Customer
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_the_report(brand, data_path):
    code, out, _err = run("products", str(data_path("erp_products.csv")), "--brand", brand.slug)
    assert code == 0
    assert out.splitlines() == [
        "products: 53 rows read: 51 created, 0 updated, 0 unchanged, 2 rejected.",
        "row 53, column “Référence”, value “BR-XXXX”: "
        "Placeholder row (sample or 'do not import'), not a product.",
        "row 53, column “Prix public TTC”, value “N/A”: Not an amount.",
        "row 54, column “Référence”, value “BA-1009”: Same reference as row 2.",
    ]


def test_cli_all_or_nothing_exits_1_and_writes_nothing(brand, data_path, run_import):
    run_import(brand, "stores", "stores.csv")
    code, out, _err = run(
        "customers", str(data_path("erp_customers.csv")), "--brand", brand.slug, "--all-or-nothing"
    )
    assert code == 1
    assert (
        out.splitlines()[0] == "customers: 1230 rows read: 0 created, 0 updated, 0 unchanged, 193 rejected."
    )
    assert "All or nothing: rows were rejected, so nothing was written." in out
    with brand_context(brand):
        assert Customer.objects.count() == 0


def test_cli_fatal_errors_exit_2(brand, tmp_path, data_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _out, err = run("customers", str(empty), "--brand", brand.slug)
    assert (code, err.strip()) == (2, "Import refused: The file is empty.")
    code, _out, err = run("customers", str(data_path("stores.csv")), "--brand", "no-such-brand")
    assert (code, err.strip()) == (2, "Unknown brand: no-such-brand")
    code, _out, err = run("stores", str(tmp_path / "missing.csv"), "--brand", brand.slug)
    assert code == 2 and "No such file" in err
