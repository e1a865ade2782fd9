"""Writes of the import app: jobs from upload to report. The running of an import, the remembered column
mappings and the progress live in `runs` (the task's side) and are exported here too."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jewelcrm.accounts.services import audit_log_record
from jewelcrm.imports.framework import (
    importer_class,
    mapping_problems,
)
from jewelcrm.imports.models import ImportJob, ImportMode, ImportStatus
from jewelcrm.imports.reading import ImportFileError, table_open
from jewelcrm.imports.runs import (
    MAX_ATTEMPTS,
    PROGRESS_TTL,
    STALE_AFTER,
    _kind_lock,
    _queue,
    import_file_run,
    import_job_execute,
    import_job_run,
    import_jobs_sweep,
    mapping_initial,
    mapping_save,
    mapping_saved_get,
    progress_key,
)

MAX_UPLOAD_BYTES = getattr(settings, "IMPORTS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_UPLOAD_BYTES",
    "PROGRESS_TTL",
    "STALE_AFTER",
    "import_file_run",
    "import_job_create",
    "import_job_execute",
    "import_job_mapping_set",
    "import_job_cancel",
    "import_job_retry",
    "import_job_run",
    "import_job_start",
    "import_jobs_sweep",
    "job_progress",
    "mapping_initial",
    "mapping_save",
    "mapping_saved_get",
    "progress_key",
]


@transaction.atomic
def import_job_create(*, brand: Any, kind: str, upload: Any, user: Any = None) -> ImportJob:
    """Store an uploaded file and read its header; ValidationError when it cannot be imported."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _(
                "The file is too large (%(size)s MB; at most %(max)s MB). Split it, or ask an administrator "
                "to "
                "run it from the command line."
            )
            % {"size": round(upload.size / 1024 / 1024, 1), "max": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    try:
        with table_open(upload, name=upload.name) as table:
            headers = table.headers
            importer = importer_class(kind)
            mapping = mapping_initial(brand=brand, kind=kind, headers=headers)
            problems = mapping_problems(
                importer.fields, headers, mapping, table.delimiter, importer.required_one_of
            )
            if len(headers) == 1 and problems:
                raise ImportFileError(" ".join(problems))
    except ImportFileError as error:
        raise ValidationError(str(error)) from None
    upload.seek(0)
    job = ImportJob(
        brand=brand,
        kind=kind,
        original_name=upload.name[-255:],
        headers=headers,
        mapping=mapping,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    job.file.save(upload.name, upload, save=False)
    job.save()
    audit_log_record(
        brand=brand,
        action="import.upload",
        actor=user,
        obj=job,
        data={"kind": kind, "file": job.original_name},
    )
    return job


@transaction.atomic
def import_job_mapping_set(*, brand: Any, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Set the column mapping (field -> header) and remember it for the next file of this layout."""
    if job.status != ImportStatus.DRAFT:
        raise ValidationError(_("This import has already been started."))
    mapping = {name: header for name, header in mapping.items() if header}
    importer = importer_class(job.kind)
    problems = mapping_problems(
        importer.fields, job.headers, mapping, required_one_of=importer.required_one_of
    )
    if problems:
        raise ValidationError(problems)
    job.mapping = mapping
    job.save(update_fields=["mapping"])
    mapping_save(brand=brand, kind=job.kind, headers=job.headers, mapping=mapping)
    return job


def _enqueue(brand_id: int, job_id: int) -> None:
    """Hand the job to the broker; when it is down, the sweep hands it over later (best effort)."""
    from jewelcrm.imports.tasks import enqueue_import_job

    enqueue_import_job(brand_id, job_id)


def _refuse_if_another_runs(*, brand: Any, job: ImportJob) -> None:
    """Serialise starts of one kind in the brand, then refuse while another job of that kind is queued or
    running: two imports of the same file at once would each create what the other is creating."""
    _kind_lock(brand_id=brand.pk, kind=job.kind, wait=True)
    other = (
        ImportJob.objects.filter(
            brand=brand, kind=job.kind, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
        )
        .exclude(pk=job.pk)
        .order_by("created_at")
        .first()
    )
    if other is not None:
        raise ValidationError(
            _(
                "Another import of %(kind)s (“%(name)s”) is queued or running for this brand. Start this "
                "one when it has finished, or cancel it."
            )
            % {"kind": other.get_kind_display().lower(), "name": other.original_name},
            code="import_running",
        )


@transaction.atomic
def import_job_start(*, brand: Any, job: ImportJob, mode: str, user: Any = None) -> ImportJob:
    """Queue the import in the background (after commit). Starting twice does nothing more; starting
    while another import of the same kind is queued or running is refused (ValidationError)."""
    job = ImportJob.objects.select_for_update().get(brand=brand, pk=job.pk)
    if job.status != ImportStatus.DRAFT:
        return job
    if mode not in ImportMode.values:
        raise ValidationError(_("Choose how to import."))
    _refuse_if_another_runs(brand=brand, job=job)
    job.mode = mode
    _queue(job, enqueue=_enqueue)
    audit_log_record(
        brand=brand, action="import.start", actor=user, obj=job, data={"kind": job.kind, "mode": mode}
    )
    return job


@transaction.atomic
def import_job_retry(*, brand: Any, job: ImportJob, user: Any = None) -> ImportJob:
    """Run a failed or cancelled job again, from the start (its file and mapping are kept)."""
    job = ImportJob.objects.select_for_update().get(brand=brand, pk=job.pk)
    if not job.may_retry:
        raise ValidationError(_("Only a failed or cancelled import can be run again."), code="invalid")
    _refuse_if_another_runs(brand=brand, job=job)
    job.error, job.progress, job.is_cancel_requested, job.attempts = "", 0, False, 0
    job.finished_at = job.heartbeat_at = None
    job.save(update_fields=["attempts", "finished_at", "heartbeat_at"])
    _queue(job, enqueue=_enqueue)
    audit_log_record(brand=brand, action="import.retry", actor=user, obj=job, data={"kind": job.kind})
    return job


@transaction.atomic
def import_job_cancel(*, brand: Any, job: ImportJob, user: Any = None) -> ImportJob:
    """Cancel a queued job at once; a running one stops at its next progress step, writing nothing."""
    job = ImportJob.objects.select_for_update().get(brand=brand, pk=job.pk)
    if not job.may_cancel:
        raise ValidationError(_("Only a queued or running import can be cancelled."), code="invalid")
    if job.status == ImportStatus.QUEUED:
        job.status, job.finished_at = ImportStatus.CANCELLED, timezone.now()
        job.error = _("Cancelled before it started: nothing was imported.")
        job.save(update_fields=["status", "finished_at", "error"])
    else:
        job.is_cancel_requested = True
        job.save(update_fields=["is_cancel_requested"])
    audit_log_record(brand=brand, action="import.cancel", actor=user, obj=job, data={"kind": job.kind})
    return job


def job_progress(*, job: ImportJob) -> dict[str, Any]:
    """The live status of a job: the database once finished, the progress cache while running."""
    if job.is_finished or job.status == ImportStatus.DRAFT:
        return {
            "status": job.status,
            "progress": job.progress if job.is_finished else 0,
            "rows": job.rows_total,
        }
    live = cache.get(progress_key(brand_id=job.brand_id, job_id=job.pk))
    return live or {"status": job.status, "progress": 0, "rows": 0}
