"""The import engine shared by the five kinds (customers, orders, products, serials, stores).

An importer (one per kind, living in the app that owns the data) declares its `fields` and
implements three steps:
- `clean(raw, row)`: one row's mapped text values -> a clean dict, or raise RowRejected with the
  problems (row, column, value, reason). `clean_stream` may group rows (orders span several rows).
- `stage(rows)`: write a chunk of clean rows somewhere temporary (a PostgreSQL temp table by COPY for
  the big kinds, a list for the small ones).
- `merge()`: one set-based upsert from the staging area into the real tables; returns the counts.

`import_run` streams the table through clean -> stage in chunks, then merges, all inside one
savepoint: in "all or nothing" mode any rejected row rolls everything back; in "valid rows" mode
only the valid rows are merged. Re-importing the same file changes nothing (each importer upserts by
its natural key and only counts a row as updated when a value differs).
"""

from __future__ import annotations

import hashlib
import importlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jewelcrm.csv_safe import csv_safe_writer
from jewelcrm.imports.reading import ImportFileError, Table
from jewelcrm.imports.values import ValueProblem, fold

CHUNK_ROWS = 20_000
PROBLEMS_KEPT = 2_000  # shown on the page; the report file holds them all
CLEAN_CHUNK_ROWS = 2_000

IMPORTERS = {
    "customers": "customers.importers.CustomerImporter",
    "orders": "customers.importers_orders.OrderImporter",
    "products": "jewelcrm.catalog.importers.ProductImporter",
    "serials": "warranties.inventory.importers.SerialImporter",
    "stores": "jewelcrm.retail.importers.StoreImporter",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: Any
    required: bool = False
    aliases: tuple[str, ...] = ()

    def matches(self, header: str) -> bool:
        folded = fold(header)
        return folded in {fold(a) for a in (self.name, str(self.label), *self.aliases)}


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str


class RowRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass
class ImportResult:
    kind: str
    mode: str
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    aborted: bool = False
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    report_csv: str = ""

    def lines(self) -> list[str]:
        """The report as printed by the command line and shown on the job page."""
        out = [
            _(
                "%(kind)s: %(total)s rows read: %(created)s created, %(updated)s updated, %(unchanged)s "
                "unchanged, "
                "%(rejected)s rejected."
            )
            % {
                "kind": self.kind,
                "total": self.rows_total,
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
            },
        ]
        for key, value in sorted(self.summary.items()):
            out.append(f"  {key}: {value}")
        if self.aborted:
            out.append(_("All or nothing: rows were rejected, so nothing was written."))
        for problem in self.problems:
            out.append(
                _("row %(row)s, column “%(column)s”, value “%(value)s”: %(reason)s") % problem.__dict__
            )
        if self.problems_total > len(self.problems):
            out.append(
                _("... and %(n)s more problems in the report file.")
                % {"n": self.problems_total - len(self.problems)}
            )
        return out


class BaseImporter:
    kind: str = ""
    fields: tuple[Field, ...] = ()
    # A row is identified in messages by this field (e.g. the customer number).
    chunk_rows: int = CHUNK_ROWS
    required_one_of: tuple[str, ...] = ()
    # True when clean_values() is pure (no state, no database): big files then clean in worker processes
    # and accept() (the stateful part, e.g. duplicates within the file) runs in order in this process.
    parallel_clean: bool = False

    def __init__(self, *, brand: Any, user: Any = None, job: Any = None) -> None:
        self.brand = brand
        self.user = user
        self.job = job
        self.summary: dict[str, Any] = {}
        self.mapping: dict[str, str] = {}

    # ---- hooks ----
    def prepare(self) -> None:
        """Load look-ups (stores by code, products by reference...) before the rows."""

    def clean(self, raw: dict[str, str], row: int) -> dict[str, Any]:
        raise NotImplementedError

    def clean_values(self, raw: dict[str, str], row: int) -> dict[str, Any]:
        """One row's values; pure in importers that set parallel_clean (default: clean())."""
        return self.clean(raw, row)

    def accept(self, clean: dict[str, Any], row: int) -> dict[str, Any]:
        """The stateful checks of a clean row, in file order, in this process (default: none)."""
        return clean

    def chunks(
        self, rows: Iterable[tuple[int, dict[str, str]]], size: int
    ) -> Iterator[list[tuple[int, dict[str, str]]]]:
        """Groups of rows cleaned together (an importer whose records span rows keeps them together)."""
        return _chunks(iter(rows), size)

    def clean_chunk(self, chunk: list[tuple[int, dict[str, str]]]) -> list[tuple[int, Any, list[Problem]]]:
        """clean_values() over a chunk; pure when clean_values() is (it may then run in a worker process)."""
        out: list[tuple[int, Any, list[Problem]]] = []
        for number, raw in chunk:
            try:
                out.append((number, self.clean_values(raw, number), []))
            except RowRejected as rejected:
                out.append((number, None, rejected.problems))
        return out

    def accept_all(
        self, results: Iterable[tuple[int, Any, list[Problem]]]
    ) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
        for number, clean, problems in results:
            if clean is None:
                yield number, None, problems
                continue
            try:
                yield number, self.accept(clean, number), []
            except RowRejected as rejected:
                yield number, None, rejected.problems

    def clean_stream(
        self, rows: Iterable[tuple[int, dict[str, str]]]
    ) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
        for chunk in self.chunks(rows, CLEAN_CHUNK_ROWS):
            yield from self.accept_all(self.clean_chunk(chunk))

    def stage(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def merge(self) -> tuple[int, int, int]:
        """(created, updated, unchanged), counted in file rows."""
        raise NotImplementedError

    # ---- helpers for importers ----
    @staticmethod
    def check(problems: list[Problem], row: int, column: str, raw: str, parse: Callable[[str], Any]) -> Any:
        """parse(raw), recording a Problem (and returning None) when it raises ValueProblem."""
        try:
            return parse(raw)
        except ValueProblem as problem:
            problems.append(Problem(row, column, raw, problem.reason))
            return None
        except Exception as error:  # noqa: BLE001 - a validation message from a shared normaliser
            messages = getattr(error, "messages", None)
            if messages is None:
                raise
            problems.append(Problem(row, column, raw, " ".join(str(m) for m in messages)))
            return None


def importer_class(kind: str) -> type[BaseImporter]:
    try:
        dotted = IMPORTERS[kind]
    except KeyError:
        raise ImportFileError(_("Unknown kind of import: %(kind)s.") % {"kind": kind}) from None
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


# ---- column mapping -------------------------------------------------------------------------------
def header_signature(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(fold(h) for h in headers).encode()).hexdigest()[:64]


def mapping_guess(fields: Iterable[Field], headers: list[str]) -> dict[str, str]:
    """field name -> header, for every field whose name, label or alias matches a header."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for f in fields:
        for header in headers:
            if header and header not in used and f.matches(header):
                mapping[f.name] = header
                used.add(header)
                break
    return mapping


def mapping_problems(
    fields: Iterable[Field],
    headers: list[str],
    mapping: dict[str, str],
    delimiter: str = "",
    required_one_of: tuple[str, ...] = (),
) -> list[str]:
    """Messages for required fields left unmapped and for headers that do not exist."""
    fields = list(fields)
    messages = []
    if required_one_of and not any(mapping.get(name) for name in required_one_of):
        labels = ", ".join(str(f.label) for f in fields if f.name in required_one_of)
        messages.append(_("Map at least one of these columns: %(fields)s.") % {"fields": labels})
    for f in fields:
        header = mapping.get(f.name, "")
        if header and header not in headers:
            messages.append(_("The column “%(header)s” is not in the file.") % {"header": header})
        elif f.required and not header:
            messages.append(_("Required column missing: %(field)s.") % {"field": f.label})
    if messages and len(headers) == 1 and delimiter:
        messages.append(
            _(
                "The file has a single column: its separator is probably not ; , or tab. Save it as CSV with "
                "semicolons or commas."
            )
        )
    return messages


# ---- engine ---------------------------------------------------------------------------------------
class _Aborted(Exception):
    pass


class ReportWriter:
    """The report CSV (row, column, value, reason), formulas neutralised, plus the first problems."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv_safe_writer(self.buffer)
        self.writer.writerow([_("row"), _("column"), _("value"), _("reason")])
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.total += 1
            self.writer.writerow([problem.row, problem.column, problem.value, problem.reason])
            if len(self.kept) < PROBLEMS_KEPT:
                self.kept.append(problem)


def table_rows_mapped(table: Table, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    index = {h: i for i, h in reversed(list(enumerate(table.headers)))}
    pairs = [(name, index[header]) for name, header in mapping.items() if header in index]
    for number, cells in table.rows:
        n = len(cells)
        yield number, {name: (cells[i].strip() if i < n else "") for name, i in pairs}


PARALLEL_MIN_BYTES = 8 * 1024 * 1024
_worker_importer: Any = None


def _fork_pool(workers: int) -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork").Pool(workers)


_pool_factory: Callable[[int], Any] = _fork_pool


def _clean_workers(importer: BaseImporter, table: Table, workers: int) -> int:
    """Worker processes for cleaning: only for big files, pure importers, and a single-threaded process
    allowed to fork (the command line; not a daemonic Celery pool process, not a threaded server)."""
    import multiprocessing

    if workers < 2 or not importer.parallel_clean or table.size < PARALLEL_MIN_BYTES:
        return 0
    if multiprocessing.current_process().daemon:
        return 0
    import threading

    if threading.active_count() > 1:
        return 0  # forking a multi-threaded process can deadlock the child (a lock held by another thread)
    return min(workers, 8)


def _clean_chunk(chunk: list[tuple[int, dict[str, str]]]) -> list[tuple[int, Any, list[Problem]]]:
    return _worker_importer.clean_chunk(chunk)


def _chunks(
    rows: Iterator[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    chunk: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _clean_parallel(
    importer: BaseImporter, rows: Iterator[tuple[int, dict[str, str]]], workers: int
) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    """clean_values() in forked worker processes (which never touch the database connection they
    inherit), accept() here, in file order."""
    global _worker_importer
    _worker_importer = importer
    with _pool_factory(workers) as pool:
        for results in pool.imap(_clean_chunk, importer.chunks(rows, CLEAN_CHUNK_ROWS), chunksize=1):
            yield from importer.accept_all(results)


def import_run(
    *,
    brand: Any,
    kind: str,
    table: Table,
    mapping: dict[str, str] | None = None,
    all_or_nothing: bool = False,
    user: Any = None,
    job: Any = None,
    progress: Callable[[float, int], None] | None = None,
    clean_workers: int = 0,
) -> ImportResult:
    """Run one import inside the caller's brand_context. Raises ImportFileError for a fatal problem.

    `clean_workers` > 1 validates big files in that many forked processes (the command line asks for it;
    pages and tasks run in threaded or daemonic processes that must not fork)."""
    importer = importer_class(kind)(brand=brand, user=user, job=job)
    if mapping is None:
        mapping = mapping_guess(importer.fields, table.headers)
    messages = mapping_problems(
        importer.fields, table.headers, mapping, table.delimiter, importer.required_one_of
    )
    if messages:
        raise ImportFileError(" ".join(messages))
    importer.mapping = dict(mapping)
    result = ImportResult(kind=kind, mode="all_or_nothing" if all_or_nothing else "valid_rows")
    report = ReportWriter()
    rejected_rows: set[int] = set()
    try:
        with transaction.atomic():
            importer.prepare()
            chunk: list[dict[str, Any]] = []
            rows = table_rows_mapped(table, mapping)
            workers = _clean_workers(importer, table, clean_workers)
            stream = _clean_parallel(importer, rows, workers) if workers > 1 else importer.clean_stream(rows)
            for number, clean, problems in stream:
                result.rows_total += 1
                if problems or clean is None:
                    rejected_rows.add(number)
                    report.add(problems)
                    continue
                if rejected_rows and all_or_nothing:
                    continue  # keep validating to report every problem, but stage nothing more
                chunk.append(clean)
                if len(chunk) >= importer.chunk_rows:
                    importer.stage(chunk)
                    chunk = []
                    if progress:
                        progress(table.progress() * 0.9, result.rows_total)
            if all_or_nothing and rejected_rows:
                raise _Aborted
            if chunk:
                importer.stage(chunk)
            if progress:
                progress(0.9, result.rows_total)
            result.created, result.updated, result.unchanged = importer.merge()
    except _Aborted:
        result.aborted = True
    result.rejected = len(rejected_rows)
    result.problems = report.kept
    result.problems_total = report.total
    result.summary = importer.summary
    result.report_csv = report.buffer.getvalue()
    if progress:
        progress(1.0, result.rows_total)
    return result
