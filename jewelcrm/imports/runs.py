"""Running an import: the one entry point shared by the background task and the command line
(`import_file_run`), a queued job's execution, the remembered column mappings and the live progress.

The task calls this module and the job services enqueue the task, so this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.services import audit_log_record
from jewelcrm.imports.framework import (
    ImportResult,
    header_signature,
    import_run,
    importer_class,
    mapping_guess,
)
from jewelcrm.imports.models import ColumnMapping, ImportJob, ImportMode, ImportStatus
from jewelcrm.imports.reading import ImportFileError, table_open
from jewelcrm.tenancy.context import brand_context

PROGRESS_TTL = 60 * 60 * 6


def progress_key(*, brand_id: int, job_id: int) -> str:
    return f"imports:progress:{brand_id}:{job_id}"


def mapping_saved_get(*, brand: Any, kind: str, headers: list[str]) -> dict[str, str] | None:
    saved = ColumnMapping.objects.filter(brand=brand, kind=kind, signature=header_signature(headers)).first()
    if saved is None:
        return None
    # Only the headers still present in the file.
    return {name: header for name, header in saved.mapping.items() if header in headers}


def mapping_initial(*, brand: Any, kind: str, headers: list[str]) -> dict[str, str]:
    """The mapping saved for this brand, kind and header layout, else the automatic guess."""
    saved = mapping_saved_get(brand=brand, kind=kind, headers=headers)
    if saved is not None:
        return saved
    return mapping_guess(importer_class(kind).fields, headers)


def mapping_save(*, brand: Any, kind: str, headers: list[str], mapping: dict[str, str]) -> ColumnMapping:
    saved, _created = ColumnMapping.objects.update_or_create(
        brand=brand, kind=kind, signature=header_signature(headers), defaults={"mapping": mapping}
    )
    return saved


def import_file_run(
    *,
    brand: Any,
    kind: str,
    path: Any,
    all_or_nothing: bool = False,
    mapping: dict[str, str] | None = None,
    user: Any = None,
    job: Any = None,
    progress: Callable[[float, int], None] | None = None,
    name: str = "",
    clean_workers: int = 0,
) -> ImportResult:
    """Import one file for one brand (the command line and the background task both come here).

    Raises ImportFileError when the file cannot be imported at all. `clean_workers`: see import_run.
    """
    with table_open(path, name=name) as table, brand_context(brand):
        if mapping is None:
            mapping = mapping_initial(brand=brand, kind=kind, headers=table.headers)
        return import_run(
            brand=brand,
            kind=kind,
            table=table,
            mapping=mapping,
            all_or_nothing=all_or_nothing,
            user=user,
            job=job,
            progress=progress,
            clean_workers=clean_workers,
        )


def import_job_execute(*, brand: Any, job_id: int) -> ImportJob | None:
    """Run a queued job (inside the task's brand_context). Writes are all-or-nothing per job: a crash
    rolls the import back and leaves the job marked failed with the reason."""
    job = ImportJob.objects.select_for_update().filter(brand=brand, pk=job_id).first()
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job
    key = progress_key(brand_id=brand.pk, job_id=job.pk)
    job.started_at = timezone.now()
    cache.set(key, {"status": ImportStatus.RUNNING, "progress": 0, "rows": 0}, PROGRESS_TTL)

    def progress(fraction: float, rows: int) -> None:
        cache.set(
            key, {"status": ImportStatus.RUNNING, "progress": int(fraction * 100), "rows": rows}, PROGRESS_TTL
        )

    try:
        with transaction.atomic():
            with job.file.open("rb") as handle:
                result = import_file_run(
                    brand=brand,
                    kind=job.kind,
                    path=handle,
                    name=job.original_name,
                    mapping=job.mapping,
                    all_or_nothing=job.mode == ImportMode.ALL_OR_NOTHING,
                    user=job.created_by,
                    job=job,
                    progress=progress,
                )
    except ImportFileError as error:
        job.status, job.error = ImportStatus.FAILED, str(error)
    except Exception as error:  # noqa: BLE001 - the job page must say it failed; the log keeps the trace
        import logging

        logging.getLogger(__name__).exception("Import job %s failed", job.pk)
        job.status, job.error = (
            ImportStatus.FAILED,
            _("The import failed unexpectedly: %(error)s") % {"error": error},
        )
    else:
        job.status = ImportStatus.ABORTED if result.aborted else ImportStatus.DONE
        job.rows_total, job.rows_rejected = result.rows_total, result.rejected
        job.rows_created, job.rows_updated, job.rows_unchanged = (
            result.created,
            result.updated,
            result.unchanged,
        )
        job.summary = {**result.summary, "problems": result.problems_total}
        job.report.save("report.csv", ContentFile(result.report_csv.encode("utf-8-sig")), save=False)
    job.progress = 100
    job.finished_at = timezone.now()
    job.save()
    cache.set(key, {"status": job.status, "progress": 100, "rows": job.rows_total}, PROGRESS_TTL)
    audit_log_record(
        brand=brand,
        action="import.finish",
        actor=job.created_by,
        obj=job,
        data={
            "kind": job.kind,
            "status": job.status,
            "created": job.rows_created,
            "updated": job.rows_updated,
            "rejected": job.rows_rejected,
        },
    )
    return job
