from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jewelcrm.csv_safe import csv_safe_cell, csv_safe_writer
from jewelcrm.imports.framework import Field, header_signature, mapping_guess
from jewelcrm.imports.reading import ImportFileError, delimiter_sniff, encoding_detect
from jewelcrm.imports.values import (
    ValueProblem,
    parse_bool,
    parse_country,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_language,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("26/12/1990", date(1990, 12, 26)),
        ("1958-12-12", date(1958, 12, 12)),
        ("04/10/22", date(2022, 10, 4)),
        ("02/02/78", date(1978, 2, 2)),
        ("09.12.2025", date(2025, 12, 9)),
        ("2020-05-03 10:00", date(2020, 5, 3)),
        ("", None),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("31/02/1980", "This date does not exist."),
        ("13/13/2000", "This date does not exist."),
        ("hier", "Not a date (expected dd/mm/yyyy, yyyy-mm-dd or dd/mm/yy)."),
    ],
)
def test_bad_dates(raw, reason):
    with pytest.raises(ValueProblem) as problem:
        parse_date(raw)
    assert problem.value.reason == reason


def test_future_birth_date():
    with pytest.raises(ValueProblem, match="future"):
        parse_date("01/01/2999", allow_future=False)


def test_datetimes():
    assert parse_datetime("2020-03-29 15:09:00 +0100").isoformat() == "2020-03-29T15:09:00+01:00"
    assert parse_datetime("2020-05-28 07:45:00+00:00").isoformat() == "2020-05-28T07:45:00+00:00"
    assert parse_datetime("2020-05-28").isoformat() == "2020-05-28T00:00:00+00:00"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Oui", True),
        ("O", True),
        ("1", True),
        ("yes", True),
        ("TRUE", True),
        ("Non", False),
        ("N", False),
        ("0", False),
        ("no", False),
        ("false", False),
        ("", None),
    ],
)
def test_booleans(raw, expected):
    assert parse_bool(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6470,00", "6470.00"),
        ("6340.00", "6340.00"),
        ("3 220,00", "3220.00"),
        ("9\u00a0260,00 €", "9260.00"),
        ("17\u202f110,00 €", "17110.00"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("€ 12", "12.00"),
    ],
)
def test_amounts(raw, expected):
    assert parse_decimal(raw) == Decimal(expected)


def test_bad_amount():
    with pytest.raises(ValueProblem, match="Not an amount."):
        parse_decimal("N/A")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Suisse", "CH"),
        ("Switzerland", "CH"),
        ("CH", "CH"),
        ("france ", "FR"),
        ("Fr", "FR"),
        ("Royaume-Uni", "GB"),
        ("UK", "GB"),
        ("Etats-Unis", "US"),
        ("USA", "US"),
        ("Emirats Arabes Unis", "AE"),
        ("Allemagne", "DE"),
        ("Japon", "JP"),
        ("Singapour", "SG"),
        ("Hong Kong", "HK"),
        ("Italie", "IT"),
        ("Belgique", "BE"),
        ("DEU", "DE"),
    ],
)
def test_countries(raw, expected):
    assert parse_country(raw) == expected


def test_unknown_country_and_language():
    with pytest.raises(ValueProblem, match="Unknown country."):
        parse_country("Atlantide")
    assert [parse_language(v) for v in ("FR", "en", "Français", "")] == ["fr", "en", "fr", ""]
    with pytest.raises(ValueProblem):
        parse_language("klingon")


def test_encoding_detection():
    assert encoding_detect("é".encode() + b"\n") == "utf-8"
    assert encoding_detect(b"\xef\xbb\xbfa;b\n") == "utf-8-sig"
    assert encoding_detect("Référence;Désignation".encode("cp1252")) == "cp1252"
    with pytest.raises(ImportFileError):
        encoding_detect("a;b".encode("utf-16"))


def test_delimiter_sniffing():
    assert delimiter_sniff("a;b;c") == ";"
    assert delimiter_sniff('"x;y",b,c') == ","
    assert delimiter_sniff("a\tb\tc") == "\t"
    assert delimiter_sniff("single") == ";"


def test_header_mapping_french_and_english():
    from customers.importers import CustomerImporter
    from customers.importers_orders import OrderImporter

    headers = [
        "N° client",
        "Civilité",
        "Nom",
        "Prénom",
        "E-mail",
        "Téléphone",
        "Date de naissance",
        "Opt-in e-mail",
    ]
    assert mapping_guess(CustomerImporter.fields, headers) == {
        "external_id": "N° client",
        "title": "Civilité",
        "last_name": "Nom",
        "first_name": "Prénom",
        "email": "E-mail",
        "phone": "Téléphone",
        "birth_date": "Date de naissance",
        "optin_email": "Opt-in e-mail",
    }
    shop = mapping_guess(
        OrderImporter.fields, ["Name", "Email", "Financial Status", "Paid at", "Lineitem sku", "Id"]
    )
    assert shop == {
        "order_number": "Name",
        "external_id": "Id",
        "email": "Email",
        "financial_status": "Financial Status",
        "paid_at": "Paid at",
        "line_sku": "Lineitem sku",
    }
    assert header_signature(["Nom", "E-mail"]) == header_signature([" nom", "e mail"])
    assert Field("x", "X", aliases=("Prix public TTC",)).matches("prix public ttc")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6", "'+33 6"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Martin", "Martin"),
        (-2, -2),
        (None, ""),
    ],
)
def test_csv_safe_cell(value, expected):
    assert csv_safe_cell(value) == expected


def test_csv_safe_writer():
    import io

    buffer = io.StringIO()
    csv_safe_writer(buffer).writerow(["=cmd|' /C calc'!A0", "ok", 3])
    assert buffer.getvalue() == "'=cmd|' /C calc'!A0,ok,3\r\n"
