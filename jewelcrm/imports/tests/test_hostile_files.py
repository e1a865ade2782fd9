"""Hostile files refused before they are parsed: an XLSX decompression bomb (also named .csv), too many
columns, column names or a header line too long. Each with a clear message, nothing stored."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from jewelcrm.imports import reading, services
from jewelcrm.imports.models import ImportJob
from jewelcrm.imports.reading import ImportFileError, table_open
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db

GIB = 1024 * 1024 * 1024


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from raw deflate streams: (name, deflated bytes, crc32, inflated size)."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        )
        out.write(encoded)
        out.write(data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for entry in central:
        out.write(entry)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    return out.getvalue()


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A real workbook whose first sheet inflates to 1 GiB of zeros: about 1 MB on disk."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["E-mail", "Last name"])
    saved = io.BytesIO()
    workbook.save(saved)
    import zipfile

    members = []
    with zipfile.ZipFile(saved) as real:
        for info in real.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            members.append((info.filename, *_deflate(real.read(info.filename))))
    # 64 identical, byte-aligned deflate blocks of 16 MiB of zeros, then an empty final block.
    chunk = b"\0" * (16 * 1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(64):
        crc = zlib.crc32(chunk, crc)
    data = block * 64 + b"\x03\x00"
    members.append(("xl/worksheets/sheet1.xml", data, crc, GIB))
    content = _zip(members)
    assert len(content) < 2 * 1024 * 1024
    return content


@pytest.fixture
def never_parsed(monkeypatch):
    """openpyxl must not be reached: the file is refused from the zip's directory alone."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize("name", ["bomb.xlsx", "bomb.csv", "bomb"])
def test_a_decompression_bomb_is_refused_before_parsing(bomb, never_parsed, name):
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError, match="would expand to 1,024 MB once opened") as error:
            table_open(io.BytesIO(bomb), name=name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "at most 256 MB, and at most 100 times its size" in str(error.value)
    assert peak < 20 * 1024 * 1024


def test_an_uploaded_bomb_named_csv_is_refused_and_nothing_is_stored(brand, bomb, never_parsed):
    upload = SimpleUploadedFile("customers.csv", bomb, content_type="text/csv")
    with brand_context(brand):
        with pytest.raises(ValidationError, match="would expand to 1,024 MB"):
            services.import_job_create(brand=brand, kind="customers", upload=upload)
        assert ImportJob.objects.count() == 0


def test_the_ratio_alone_refuses_a_small_bomb(never_parsed):
    """50 MB (under the size cap) packed about 1,000 times: refused for its ratio."""
    content = _zip([("xl/worksheets/sheet1.xml", *_deflate(b"\0" * 50 * 1024 * 1024))])
    assert len(content) < 100 * 1024
    with pytest.raises(ImportFileError, match="would expand to 50 MB once opened"):
        table_open(io.BytesIO(content), name="small.xlsx")


def test_an_ordinary_workbook_still_opens(brand):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["E-mail", "Last name"])
    for n in range(2000):
        workbook.active.append([f"c{n}@example.test", f"Name {n}"])
    saved = io.BytesIO()
    workbook.save(saved)
    with table_open(saved, name="c.xlsx") as table:
        assert table.headers == ["E-mail", "Last name"]
        assert sum(1 for _ in table.rows) == 2000


# --- columns and header (item 12) -------------------------------------------------------------


def test_a_million_columns_csv_is_refused_at_once_with_a_clear_message(brand):
    header = ";".join(f"c{n}" for n in range(1_000_000)) + "\n"
    upload = SimpleUploadedFile("wide.csv", (header + "x\n").encode(), content_type="text/csv")
    with brand_context(brand):
        with pytest.raises(ValidationError) as error:
            services.import_job_create(brand=brand, kind="customers", upload=upload)
        assert ImportJob.objects.count() == 0
    assert error.value.messages == [
        "The first line of the file (the column names) is too long: at most 65,536 characters. "
        "Check that it is the file you meant to import."
    ]


def test_more_columns_than_the_cap_are_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(";".join(f"c{n}" for n in range(201)) + "\n" + "x\n")
    with pytest.raises(ImportFileError) as error:
        table_open(path)
    assert str(error.value) == (
        "The file has more than 200 columns: an import takes at most 200. "
        "Remove the columns you do not import."
    )
    path.write_text(";".join(f"c{n}" for n in range(200)) + "\n" + "x\n")
    with table_open(path) as table:
        assert len(table.headers) == 200


def test_an_xlsx_with_more_columns_than_the_cap_is_refused():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append([f"c{n}" for n in range(5000)])
    saved = io.BytesIO()
    workbook.save(saved)
    with pytest.raises(ImportFileError, match="more than 200 columns"):
        table_open(saved, name="wide.xlsx")


def test_a_column_name_too_long_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("E-mail;" + "N" * 201 + "\nx;y\n")
    with pytest.raises(ImportFileError) as error:
        table_open(path)
    assert str(error.value) == "The name of column 2 is 201 characters long; at most 200."


def test_the_caps_follow_the_settings(settings, tmp_path):
    settings.IMPORTS_MAX_COLUMNS = 3
    path = tmp_path / "c.csv"
    path.write_text("a;b;c;d\n1;2;3;4\n")
    with pytest.raises(ImportFileError, match="more than 3 columns"):
        table_open(path)
    assert reading.MAX_COLUMNS == 200
