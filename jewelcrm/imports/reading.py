"""Reading an uploaded table: CSV (encoding and delimiter detected) or XLSX, streamed row by row.

`table_open(path)` returns a Table: the header cells, an iterator of (row number, cells) and a
progress fraction. Row numbers are those a spreadsheet shows: the header is row 1.
Problems that make the whole file unreadable raise ImportFileError with a message for the user.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (";", ",", "\t")
XLSX_MAGIC = b"PK\x03\x04"
# Bytes that Windows-1252 leaves undefined: their presence means the file is not Windows-1252.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}

csv.field_size_limit(10 * 1024 * 1024)


class ImportFileError(Exception):
    """The file cannot be imported at all (the message is shown to the user as is)."""


def encoding_detect(sample: bytes) -> str:
    """'utf-8-sig', 'utf-8' or 'cp1252'; ImportFileError for anything else (UTF-16, binary...)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in sample:
        raise ImportFileError(
            _(
                "The file's encoding is not supported (it looks like UTF-16 or a binary file). "
                "Save it as CSV UTF-8 or Windows-1252 and try again."
            )
        )
    try:
        # The sample may end in the middle of a character: decode incrementally, not final.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if any(byte in _CP1252_UNDEFINED for byte in sample):
        raise ImportFileError(
            _(
                "The file's encoding is not recognised (neither UTF-8 nor Windows-1252). "
                "Save it as CSV UTF-8 and try again."
            )
        )
    text = sample.decode("cp1252")
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        raise ImportFileError(
            _(
                "The file's encoding is not recognised (it contains control characters). "
                "Save it as CSV UTF-8 and try again."
            )
        )
    return "cp1252"


def delimiter_sniff(first_line: str) -> str:
    """The most frequent of ; , and tab outside quotes on the header line (';' on a tie)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    kind: str = "csv"  # csv or xlsx
    encoding: str = ""
    delimiter: str = ""
    size: int = 0
    _progress: Any = None
    _closers: list[Any] = field(default_factory=list)

    def progress(self) -> float:
        """Fraction of the file read so far (0..1), approximate."""
        return float(self._progress()) if self._progress else 0.0

    def close(self) -> None:
        for closer in self._closers:
            try:
                closer()
            except Exception:  # noqa: BLE001,S110 - closing is best effort
                pass

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from the underlying binary file (for the progress bar)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    # Closing this wrapper leaves the underlying file open: its owner (table_open's caller or
    # Table.close for a path) closes it.


def _clean_header(value: Any) -> str:
    return " ".join(str(value if value is not None else "").replace("\ufeff", "").split())


def _csv_open(fileobj: Any, size: int) -> Table:
    sample = fileobj.read(SAMPLE_BYTES)
    fileobj.seek(0)
    if not sample.removeprefix(codecs.BOM_UTF8).strip():
        raise ImportFileError(_("The file is empty."))
    encoding = encoding_detect(sample)
    counting = _CountingReader(fileobj)
    text = io.TextIOWrapper(
        io.BufferedReader(counting, buffer_size=1024 * 1024), encoding=encoding, newline=""
    )
    first_line = sample.decode(encoding, errors="ignore").lstrip("\ufeff").splitlines()[0] if sample else ""
    delimiter = delimiter_sniff(first_line)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        headers = [_clean_header(h) for h in next(reader)]
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except UnicodeDecodeError:
        raise ImportFileError(_("The file's encoding is not recognised.")) from None
    if not any(headers):
        raise ImportFileError(_("The first line of the file must hold the column names; it is empty."))

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if not any(c.strip() for c in cells):
                    continue
                yield number, cells
        except UnicodeDecodeError:
            raise ImportFileError(
                _(
                    "Row %(row)s cannot be read in the file's encoding (%(encoding)s): the file mixes "
                    "encodings."
                )
                % {"row": number + 1, "encoding": encoding}
            ) from None
        except csv.Error as error:
            raise ImportFileError(
                _("Row %(row)s is not valid CSV: %(error)s") % {"row": number + 1, "error": error}
            ) from None

    return Table(
        headers=headers,
        rows=rows(),
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
        size=size,
        _progress=(lambda: min(1.0, counting.count / size) if size else 1.0),
        _closers=[text.close],
    )


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if not (value.hour or value.minute or value.second)
            else value.isoformat(sep=" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value != int(value) else str(int(value))
    return str(value)


def _xlsx_open(fileobj: Any) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError(
            _("This Excel file cannot be read. Save it again as .xlsx or as CSV.")
        ) from None
    sheet = workbook.worksheets[0]
    total = sheet.max_row or 0
    iterator = sheet.iter_rows(values_only=True)
    try:
        headers = [_clean_header(h) for h in next(iterator)]
    except StopIteration:
        workbook.close()
        raise ImportFileError(_("The file is empty.")) from None
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        workbook.close()
        raise ImportFileError(_("The file is empty."))
    state = {"row": 1}

    def rows() -> Iterator[tuple[int, list[str]]]:
        for values in iterator:
            state["row"] += 1
            cells = [_xlsx_cell(v) for v in values[: len(headers)]]
            if not any(c.strip() for c in cells):
                continue
            yield state["row"], cells

    return Table(
        headers=headers,
        rows=rows(),
        kind="xlsx",
        _progress=(lambda: min(1.0, state["row"] / total) if total else 0.0),
        _closers=[workbook.close],
    )


def table_open(path: str | os.PathLike[str] | Any, *, name: str = "") -> Table:
    """Open a CSV or XLSX file (a path or a binary file object) for streaming."""
    if hasattr(path, "read"):
        fileobj = path
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(0)
    else:
        fileobj = open(path, "rb")  # noqa: SIM115 - closed by Table.close
        size = os.path.getsize(path)
        name = name or str(path)
    if size == 0:
        if not hasattr(path, "read"):
            fileobj.close()
        raise ImportFileError(_("The file is empty."))
    magic = fileobj.read(4)
    fileobj.seek(0)
    try:
        if magic == XLSX_MAGIC or name.lower().endswith((".xlsx", ".xlsm")):
            table = _xlsx_open(fileobj)
        else:
            table = _csv_open(fileobj, size)
    except BaseException:
        if not hasattr(path, "read"):
            fileobj.close()
        raise
    if not hasattr(path, "read"):
        table._closers.append(fileobj.close)
    return table
