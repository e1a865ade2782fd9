"""Running an import: the one entry point shared by the background task and the command line
(`import_file_run`), a queued job's execution, the remembered column mappings and the live progress.

The task calls this module and the job services enqueue the task, so this module never imports them.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, connections, transaction
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
from jewelcrm.tenancy.context import brand_context, dangerously_no_brand

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


# --- Running jobs: one at a time per brand and kind, outbox, liveness, sweep ----------------------------

# A running job whose worker has shown no sign of life for this long is taken as lost (worker killed).
HEARTBEAT_EVERY = timedelta(seconds=10)
STALE_AFTER = timedelta(minutes=10)
# A queued job not started this long after it was handed to the broker is handed to it again.
REQUEUE_AFTER = timedelta(minutes=10)
# Runs of one job (the first and those after a lost worker) before it is marked failed.
MAX_ATTEMPTS = 3
# pg_advisory_xact_lock(brand id, IMPORT_LOCK + kind): one import of a kind at a time in a brand.
IMPORT_LOCK = 0x1A000000

log = logging.getLogger(__name__)


class ImportCancelled(Exception):
    """Cancelled by a person while running: the import's transaction is rolled back."""


class ImportBusy(Exception):
    """Another import of the same kind holds the brand's lock."""


def _kind_lock_sql(*, brand_id: int, kind: str, wait: bool) -> tuple[str, list[int]]:
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    return f"SELECT {function}(%s, %s)", [brand_id, IMPORT_LOCK + zlib.crc32(kind.encode()) % (1 << 24)]


def _kind_lock(*, brand_id: int, kind: str, wait: bool) -> bool:
    """Take the brand's lock for imports of `kind` until the current transaction ends (PostgreSQL)."""
    sql, params = _kind_lock_sql(brand_id=brand_id, kind=kind, wait=wait)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return wait or bool(row[0])


def _queue(job: ImportJob, *, enqueue: Callable[[int, int], Any]) -> None:
    """Mark a locked job queued; `enqueue(brand_id, job_id)` hands it to the broker once the transaction
    commits (the caller's: the job services and the sweep task enqueue, this module never imports them)."""
    job.status = ImportStatus.QUEUED
    job.enqueued_at = timezone.now()
    job.save(update_fields=["mode", "status", "enqueued_at", "error", "is_cancel_requested", "progress"])
    brand_id, job_id = job.brand_id, job.pk
    transaction.on_commit(lambda: enqueue(brand_id, job_id), robust=True)


class _Heartbeat:
    """Signs of life of a running job, written on a connection of their own so that each commits at once
    while the import's transaction stays open. Each beat also reads whether a cancellation was asked."""

    def __init__(self, *, brand_id: int, job_id: int) -> None:
        self.brand_id, self.job_id = brand_id, job_id
        self.last = timezone.now()
        default = connections["default"]
        self.side: Any = default.__class__({**default.settings_dict}, alias=default.alias)

    def beat(self, *, force: bool = False) -> None:
        now = timezone.now()
        if self.side is None or (not force and now - self.last < HEARTBEAT_EVERY):
            return
        self.last = now
        self.side.ensure_connection()
        self.side.set_autocommit(False)
        try:
            with self.side.cursor() as cursor:
                # SET LOCAL, as brand_context does: on Citus it reaches the shards (set_config does not).
                cursor.execute(f"SET LOCAL jewelcrm.brand_id = '{int(self.brand_id)}'")
                cursor.execute(
                    "UPDATE imports_importjob SET heartbeat_at = %s WHERE id = %s AND brand_id = %s "
                    "RETURNING is_cancel_requested",
                    [now, self.job_id, self.brand_id],
                )
                row = cursor.fetchone()
            self.side.commit()
        finally:
            self.side.set_autocommit(True)
        if row is not None and row[0]:
            raise ImportCancelled

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _failure_text(error: BaseException, job: ImportJob) -> str:
    """What the job page says about an unexpected failure: never the database's own message."""
    if isinstance(error, IntegrityError):
        return _(
            "Nothing was imported: some rows describe a record that already exists or appears twice in "
            "the file. Check the file for duplicates, then run the import again."
        )
    return _(
        "The import stopped unexpectedly and nothing was imported. Run it again; if it fails again, "
        "contact support with the import number %(id)s."
    ) % {"id": job.pk}


def import_job_execute(*, brand: Any, job_id: int, heartbeat: _Heartbeat | None = None) -> ImportJob | None:
    """Run a job (inside the brand's context and the transaction of the run). Writes are all-or-nothing per
    job: a crash rolls the import back and leaves the job marked failed with a reason a person can act
    on. The job's row is written only at the end, after the last heartbeat."""
    job = ImportJob.objects.filter(brand=brand, pk=job_id).first()
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job
    key = progress_key(brand_id=brand.pk, job_id=job.pk)
    job.started_at = job.started_at or timezone.now()
    cache.set(key, {"status": ImportStatus.RUNNING, "progress": 0, "rows": 0}, PROGRESS_TTL)

    def progress(fraction: float, rows: int) -> None:
        if heartbeat is not None:
            heartbeat.beat()
        cache.set(
            key, {"status": ImportStatus.RUNNING, "progress": int(fraction * 100), "rows": rows}, PROGRESS_TTL
        )

    try:
        with transaction.atomic():
            if heartbeat is not None:
                heartbeat.beat(force=True)
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
    except ImportCancelled:
        job.status, job.error = ImportStatus.CANCELLED, _("Cancelled while running: nothing was imported.")
    except Exception as error:  # noqa: BLE001 - the job page must say it failed; the log keeps the trace
        log.exception("Import job %s failed", job.pk)
        job.status, job.error = ImportStatus.FAILED, _failure_text(error, job)
    else:
        job.status = ImportStatus.ABORTED if result.aborted else ImportStatus.DONE
        job.error = ""
        job.rows_total, job.rows_rejected = result.rows_total, result.rejected
        job.rows_created, job.rows_updated, job.rows_unchanged = (
            result.created,
            result.updated,
            result.unchanged,
        )
        job.summary = {**result.summary, "problems": result.problems_total}
        job.report.save("report.csv", ContentFile(result.report_csv.encode("utf-8-sig")), save=False)
    job.progress = 100
    job.is_cancel_requested = False
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


def import_job_run(*, brand_id: int, job_id: int) -> str:
    """The background run of a job (the task calls this; no brand in context). Three transactions:

    1. the claim, committed at once: the job is running, with a first heartbeat and one more attempt;
       a job another live worker is running is left alone;
    2. the import, under the brand's lock for its kind (a second run waits its turn in the queue), with
       heartbeats committed apart, and the job's outcome written with the import's rows;
    3. after an unexpected error (the import rolled back), the job marked failed.
    """
    from jewelcrm.accounts.models import Brand

    now = timezone.now()
    with dangerously_no_brand(), brand_context(brand_id):
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return "missing"
        if job.status == ImportStatus.RUNNING and job.heartbeat_at and now - job.heartbeat_at < STALE_AFTER:
            return "running elsewhere"
        if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return job.status
        job.status, job.heartbeat_at, job.started_at = ImportStatus.RUNNING, now, job.started_at or now
        job.attempts += 1
        job.save(update_fields=["status", "heartbeat_at", "started_at", "attempts"])
    heartbeat = _Heartbeat(brand_id=brand_id, job_id=job_id)
    try:
        with dangerously_no_brand(), brand_context(brand_id):
            if not _kind_lock(brand_id=brand_id, kind=job.kind, wait=False):
                raise ImportBusy
            brand = Brand.objects.get(pk=brand_id)
            done = import_job_execute(brand=brand, job_id=job_id, heartbeat=heartbeat)
            return done.status if done is not None else "missing"
    except ImportBusy:
        with dangerously_no_brand(), brand_context(brand_id):
            ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING).update(
                status=ImportStatus.QUEUED, enqueued_at=timezone.now(), heartbeat_at=None
            )
        return "waiting"
    except Exception as error:
        log.exception("Import job %s stopped", job_id)
        with dangerously_no_brand(), brand_context(brand_id):
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportStatus.FAILED, error=_failure_text(error, job), finished_at=timezone.now()
            )
        return ImportStatus.FAILED
    finally:
        heartbeat.close()


def import_jobs_sweep(*, brand: Any, enqueue: Callable[[int, int], Any], now: Any = None) -> dict[str, int]:
    """The periodic check of a brand's jobs: a running job without a sign of life for STALE_AFTER (its
    worker was killed) is queued again, or marked failed after MAX_ATTEMPTS runs; a queued job still not
    started REQUEUE_AFTER after it was handed to the broker (a broker restarted empty) is handed again."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "reenqueued": 0}
    with transaction.atomic():
        stuck = ImportJob.objects.select_for_update(skip_locked=True).filter(
            brand=brand, status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
        )
        for job in stuck:
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.finished_at = ImportStatus.FAILED, now
                job.error = _(
                    "The import stopped %(count)s times (its worker was lost) and nothing was imported. "
                    "Run it again, or split the file."
                ) % {"count": job.attempts}
                job.save(update_fields=["status", "finished_at", "error"])
                counts["failed"] += 1
            else:
                job.heartbeat_at = None
                _queue(job, enqueue=enqueue)
                counts["requeued"] += 1
        waiting = ImportJob.objects.select_for_update(skip_locked=True).filter(
            brand=brand, status=ImportStatus.QUEUED, enqueued_at__lt=now - REQUEUE_AFTER
        )
        for job in waiting:
            _queue(job, enqueue=enqueue)
            counts["reenqueued"] += 1
    return counts
