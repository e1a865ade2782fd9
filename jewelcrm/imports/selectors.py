"""Reads of the import app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jewelcrm.csv_safe import FORMULA_PREFIXES
from jewelcrm.imports.framework import (
    Problem,
    importer_class,
    table_rows_mapped,
)
from jewelcrm.imports.models import ImportJob
from jewelcrm.imports.reading import ImportFileError, table_open


def import_job_list(*, brand: Any, kind: str = "", query: str = "", kinds: Any = None) -> QuerySet[ImportJob]:
    """The brand's imports, newest first; `kinds` limits them to the kinds the reader may import."""
    jobs = ImportJob.objects.filter(brand=brand).select_related("created_by")
    if kinds is not None:
        jobs = jobs.filter(kind__in=list(kinds))
    if kind:
        jobs = jobs.filter(kind=kind)
    if query:
        jobs = jobs.filter(original_name__icontains=query)
    return jobs


def import_job_get(*, brand: Any, job_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(brand=brand, pk=job_id).select_related("created_by").first()


def import_job_preview(*, brand: Any, job: ImportJob, limit: int = 10) -> dict[str, Any]:
    """The first rows with their mapped values and, per row, the problems validation finds.

    Runs the importer's cleaning only (no write): what the import will accept or reject.
    """
    importer = importer_class(job.kind)(brand=brand, job=job)
    importer.mapping = dict(job.mapping)
    fields = [f for f in importer.fields if job.mapping.get(f.name)]
    rows: list[dict[str, Any]] = []
    try:
        with job.file.open("rb") as handle, table_open(handle, name=job.original_name) as table:
            importer.prepare()
            raw_rows: dict[int, dict[str, str]] = {}

            def limited() -> Any:
                for number, raw in table_rows_mapped(table, job.mapping):
                    if len(raw_rows) >= limit:
                        return
                    raw_rows[number] = raw
                    yield number, raw

            for number, _clean, problems in importer.clean_stream(limited()):
                raw = raw_rows[number]
                rows.append(
                    {
                        "row": number,
                        "values": [raw.get(f.name, "") for f in fields],
                        "problems": problems,
                        "is_valid": not problems,
                    }
                )
            info = {"encoding": table.encoding, "delimiter": table.delimiter, "format": table.kind}
    except ImportFileError as error:
        return {"fields": fields, "rows": [], "error": str(error), "info": {}}
    return {"fields": fields, "rows": rows, "error": "", "info": info}


__all__ = ["Problem", "import_job_get", "import_job_list", "import_job_preview"]


def import_job_report_rows(*, job: ImportJob, limit: int = 50) -> list[list[str]]:
    """The first problems of a finished job's report (row, column, value, reason), header excluded."""
    import csv
    import io

    if not job.report:
        return []
    with job.report.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig")
        rows = []
        for index, row in enumerate(csv.reader(text)):
            if index == 0:
                continue
            if len(rows) >= limit:
                break
            if len(row) > 2 and row[2][:1] == "'" and row[2][1:2] and row[2][1] in FORMULA_PREFIXES:
                row[2] = row[2][1:]  # shown as text on the page; the downloaded file keeps the quote
            rows.append(row)
    return rows
