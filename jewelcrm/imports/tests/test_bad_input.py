"""Bad input from the issue: unknown encoding, wrong delimiter, missing required column, empty file, a file
too large for the upload, a formula in a cell, an impossible date, an invalid e-mail. A clear report;
nothing half-written in "all or nothing"; only the valid rows otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Consent, Customer
from jewelcrm.imports import services
from jewelcrm.imports.reading import ImportFileError
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db

HEADER = "N° client;Nom;Prénom;E-mail;Date de naissance;Opt-in e-mail\n"
GOOD = "C1;Martin;Ana;ana@example.com;12/03/1985;Oui\n"
BAD_DATE = "C2;Durand;Luc;luc@example.com;31/02/1980;Non\n"
BAD_EMAIL = "C3;Petit;Zoé;zoe at example.com;1990-01-01;O\n"


def write(tmp_path, text, name="c.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def customer_count(brand):
    with brand_context(brand):
        return Customer.objects.count(), Consent.objects.count()


def test_all_or_nothing_writes_nothing_and_reports_every_problem(brand, run_import, tmp_path):
    path = write(tmp_path, HEADER + GOOD + BAD_DATE + BAD_EMAIL)
    result = run_import(brand, "customers", path, all_or_nothing=True)
    assert result.aborted is True
    assert (result.created, result.updated, result.rejected) == (0, 0, 2)
    assert [(p.row, p.column, p.value, p.reason) for p in result.problems] == [
        (3, "Date de naissance", "31/02/1980", "This date does not exist."),
        (4, "E-mail", "zoe at example.com", "“zoe at example.com” is not a valid e-mail address."),
    ]
    assert "All or nothing: rows were rejected, so nothing was written." in result.lines()
    assert customer_count(brand) == (0, 0)


def test_valid_rows_mode_writes_only_the_valid_rows(brand, run_import, tmp_path):
    path = write(tmp_path, HEADER + GOOD + BAD_DATE + BAD_EMAIL)
    result = run_import(brand, "customers", path)
    assert (result.rows_total, result.created, result.rejected, result.aborted) == (3, 1, 2, False)
    with brand_context(brand):
        assert list(Customer.objects.values_list("external_id", flat=True)) == ["C1"]
        assert list(Consent.objects.values_list("channel", "is_granted")) == [("email", True)]


def test_all_or_nothing_with_a_clean_file_imports_everything(brand, run_import, tmp_path):
    result = run_import(brand, "customers", write(tmp_path, HEADER + GOOD), all_or_nothing=True)
    assert (result.created, result.rejected, result.aborted) == (1, 0, False)


def test_unknown_encoding_is_refused(brand, run_import, tmp_path):
    path = write(tmp_path, HEADER + GOOD, encoding="utf-16")
    with pytest.raises(ImportFileError, match="encoding is not supported"):
        run_import(brand, "customers", path)
    # Bytes that are neither UTF-8 nor Windows-1252 (0x81 and 0x8d are undefined in Windows-1252).
    path = write(tmp_path, HEADER.encode() + b"C1;M\x81ller;\x8d;a@example.com;;\n")
    with pytest.raises(ImportFileError, match="encoding is not recognised"):
        run_import(brand, "customers", path)
    assert customer_count(brand) == (0, 0)


def test_windows_1252_file_is_read(brand, run_import, tmp_path):
    path = write(tmp_path, HEADER + "C9;Lefèvre;Hélène;h@example.com;;Non\n", encoding="cp1252")
    assert run_import(brand, "customers", path).created == 1
    with brand_context(brand):
        assert Customer.objects.get().last_name == "Lefèvre"


def test_wrong_delimiter_is_explained(brand, run_import, tmp_path):
    path = write(tmp_path, HEADER.replace(";", "|") + GOOD.replace(";", "|"))
    with pytest.raises(ImportFileError) as error:
        run_import(brand, "customers", path)
    assert "Map at least one of these columns: Customer number, E-mail, Phone." in str(error.value)
    assert "single column" in str(error.value)


def test_comma_and_tab_delimiters_are_sniffed(brand, run_import, tmp_path):
    assert run_import(brand, "customers", write(tmp_path, (HEADER + GOOD).replace(";", ","))).created == 1
    assert (
        run_import(
            brand, "customers", write(tmp_path, (HEADER + GOOD).replace(";", "\t").replace("C1", "C2"))
        ).created
        == 1
    )


def test_missing_required_column(brand, run_import, tmp_path):
    path = write(tmp_path, "code,name,city\nPAR,Paris,Paris\n")
    with pytest.raises(ImportFileError) as error:
        run_import(brand, "stores", path)
    assert str(error.value) == (
        "Required column missing: Retailer. Required column missing: Country. "
        "Required column missing: Currency."
    )


def test_empty_files(brand, run_import, tmp_path):
    for content in (b"", b"\xef\xbb\xbf", b"\n\n"):
        with pytest.raises(ImportFileError, match="The file is empty."):
            run_import(brand, "customers", write(tmp_path, content))
    # Headers but no data row: nothing to do, nothing rejected.
    result = run_import(brand, "customers", write(tmp_path, HEADER))
    assert (result.rows_total, result.created, result.rejected) == (0, 0, 0)


def test_upload_larger_than_the_limit_is_refused(brand, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1024)
    upload = SimpleUploadedFile("big.csv", (HEADER + GOOD * 100).encode(), content_type="text/csv")
    with brand_context(brand), pytest.raises(ValidationError) as error:
        services.import_job_create(brand=brand, kind="customers", upload=upload)
    assert "The file is too large" in error.value.messages[0]


def test_formula_in_a_cell_is_neutralised_in_the_report(brand, run_import, tmp_path):
    path = write(tmp_path, HEADER + 'C5;=HYPERLINK("http://x");Ana;=1+1;;\n')
    result = run_import(brand, "customers", path)
    assert result.rejected == 1
    lines = result.report_csv.splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1].startswith("2,E-mail,'=1+1,")
    # An accepted cell holding a formula is stored as text, never evaluated; exports neutralise it.
    result = run_import(brand, "customers", write(tmp_path, HEADER + "C6;=SUM(A1);Ana;ana6@example.com;;\n"))
    assert result.created == 1


def test_xlsx_file(brand, run_import, tmp_path):
    from datetime import date

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer number", "Last name", "Email", "Birth date", "Country", "Phone"])
    sheet.append(["X1", "Martin", "ana@example.com", date(1985, 3, 12), "Switzerland", "079 518 58 21"])
    sheet.append([2, "Dupont", "bad", None, "", ""])
    path = tmp_path / "c.xlsx"
    workbook.save(path)
    result = run_import(brand, "customers", path)
    assert (result.created, result.rejected) == (1, 1)
    assert (result.problems[0].row, result.problems[0].column) == (3, "Email")
    with brand_context(brand):
        customer = Customer.objects.get()
        assert (str(customer.birth_date), customer.country.code, customer.phone) == (
            "1985-03-12",
            "CH",
            "+41795185821",
        )


def test_unreadable_xlsx(brand, run_import, tmp_path):
    with pytest.raises(ImportFileError, match="Excel file cannot be read"):
        run_import(brand, "customers", write(tmp_path, b"PK\x03\x04not a zip", name="x.xlsx"))


def test_duplicate_rows_in_one_file(brand, run_import, tmp_path):
    result = run_import(brand, "customers", write(tmp_path, HEADER + GOOD + GOOD))
    assert (result.created, result.rejected) == (1, 1)
    assert result.problems[0].reason == "Same customer as row 2 of this file."


def test_nothing_half_written_when_the_merge_fails(brand, run_import, tmp_path, monkeypatch):
    from customers import importers

    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importers.CustomerImporter, "_consents_append", broken)
    with pytest.raises(RuntimeError):
        run_import(brand, "customers", write(tmp_path, HEADER + GOOD))
    assert customer_count(brand) == (0, 0)


def test_table_stream_is_not_loaded_whole(tmp_path):
    from jewelcrm.imports.reading import table_open

    path = write(tmp_path, HEADER + GOOD * 5000)
    with table_open(path) as table:
        first = next(table.rows)
        assert first[0] == 2
        assert 0 < table.progress() <= 1
    assert isinstance(io.BytesIO, type)


def test_a_thousand_rows_with_37_bad_ones_report_each_by_row_and_column_and_write_nothing(
    brand, run_import, tmp_path
):
    """WEB-07: all or nothing over 1,000 rows, 37 of them bad (an impossible date or an invalid e-mail,
    spread through the file): the report names each of the 37 by its row and column with its reason, and
    not one row is written."""
    bad = [i for i in range(1000) if i % 27 == 5]
    assert len(bad) == 37
    lines, expected = [HEADER], []
    for i in range(1000):
        date, email = "12/03/1985", f"person{i}@example.com"
        if i in bad and i % 2:
            date = "31/02/1980"
            expected.append((i + 2, "Date de naissance", date, "This date does not exist."))
        elif i in bad:
            email = f"person{i} at example.com"
            expected.append((i + 2, "E-mail", email, f"“{email}” is not a valid e-mail address."))
        lines.append(f"K{i};Martin;Ana;{email};{date};Oui\n")
    result = run_import(brand, "customers", write(tmp_path, "".join(lines)), all_or_nothing=True)
    assert (result.rows_total, result.created, result.updated, result.rejected, result.aborted) == (
        1000,
        0,
        0,
        37,
        True,
    )
    assert [(p.row, p.column, p.value, p.reason) for p in result.problems] == expected
    assert len(result.report_csv.splitlines()) == 1 + 37
    assert customer_count(brand) == (0, 0)
