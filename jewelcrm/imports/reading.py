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

from django.utils.formats import number_format
from django.utils.translation import gettext as _

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (";", ",", "\t")
XLSX_MAGIC = b"PK\x03\x04"
# Bytes that Windows-1252 leaves undefined: their presence means the file is not Windows-1252.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}

csv.field_size_limit(10 * 1024 * 1024)

# Hostile files are refused before they are parsed (settings may lower or raise each cap).
# An XLSX is a zip: its members' declared sizes bound what they inflate to (zipfile never reads past them),
# so the sum and the ratio are checked from the zip's directory, before openpyxl opens it.
MAX_XLSX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_XLSX_RATIO = 100
# The header: at most this many columns, each name at most this long, the CSV header line at most this long.
MAX_COLUMNS = 200
MAX_HEADER_CHARS = 200
MAX_HEADER_LINE_BYTES = 64 * 1024


def _cap(name: str, default: int) -> int:
    from django.conf import settings

    return int(getattr(settings, f"IMPORTS_{name}", default))


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
    max_line = _cap("MAX_HEADER_LINE_BYTES", MAX_HEADER_LINE_BYTES)
    line_end = min((i for i in (sample.find(b"\n"), sample.find(b"\r")) if i >= 0), default=len(sample))
    if line_end > max_line:
        raise ImportFileError(
            _(
                "The first line of the file (the column names) is too long: at most %(max)s characters. "
                "Check that it is the file you meant to import."
            )
            % {"max": number_format(max_line, force_grouping=True)}
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
    headers_check(headers)

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


def headers_check(headers: list[str]) -> None:
    """ImportFileError when the header has too many columns or a column name is too long."""
    max_columns = _cap("MAX_COLUMNS", MAX_COLUMNS)
    if len(headers) > max_columns:
        raise ImportFileError(
            _(
                "The file has more than %(max)s columns: an import takes at most %(max)s. "
                "Remove the columns you do not import."
            )
            % {"max": max_columns}
        )
    max_chars = _cap("MAX_HEADER_CHARS", MAX_HEADER_CHARS)
    for number, header in enumerate(headers, start=1):
        if len(header) > max_chars:
            raise ImportFileError(
                _("The name of column %(number)s is %(length)s characters long; at most %(max)s.")
                % {
                    "number": number,
                    "length": number_format(len(header), force_grouping=True),
                    "max": max_chars,
                }
            )


def xlsx_check_size(fileobj: Any) -> None:
    """Refuse a zip that would inflate past the caps (a decompression bomb), from its directory alone."""
    import zipfile

    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(
            _("This Excel file cannot be read. Save it again as .xlsx or as CSV.")
        ) from None
    finally:
        fileobj.seek(0)
    inflated = sum(m.file_size for m in members)
    compressed = sum(m.compress_size for m in members)
    max_bytes = _cap("MAX_XLSX_UNCOMPRESSED_BYTES", MAX_XLSX_UNCOMPRESSED_BYTES)
    max_ratio = _cap("MAX_XLSX_RATIO", MAX_XLSX_RATIO)
    worst_ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if inflated > max_bytes or inflated > max_ratio * max(compressed, 1) or worst_ratio > max_ratio:
        raise ImportFileError(
            _(
                "This Excel file would expand to %(size)s MB once opened (at most %(max)s MB, and at most "
                "%(ratio)s times its size): it is refused. Save the sheet you import as CSV."
            )
            % {
                "size": number_format(round(inflated / 1024 / 1024), force_grouping=True),
                "max": max_bytes // 1024 // 1024,
                "ratio": max_ratio,
            }
        )


def _xlsx_open(fileobj: Any) -> Table:
    import zipfile

    from openpyxl import load_workbook

    xlsx_check_size(fileobj)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError(
            _("This Excel file cannot be read. Save it again as .xlsx or as CSV.")
        ) from None
    sheet = workbook.worksheets[0]
    total = sheet.max_row or 0
    # One column past the cap is enough to tell a file with too many columns.
    iterator = sheet.iter_rows(values_only=True, max_col=_cap("MAX_COLUMNS", MAX_COLUMNS) + 1)
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
    try:
        headers_check(headers)
    except ImportFileError:
        workbook.close()
        raise
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
