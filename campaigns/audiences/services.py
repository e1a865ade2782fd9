"""Writes of ad audiences: record an export of a segment (with its removals), upload it to Meta in
batches through the upload send log.

Exports. Members are the segment's customers (segmentation's selectors) whose current consent covers the
"advertising" purpose (customers' ledger: the latest e-mail entry for that purpose granted and confirmed,
the same rule as marketing e-mail; an erased profile never qualifies) and who have an e-mail or a phone
to match on. Each member is compared with the previous export of the same segment to the same
destination: unchanged hashes are kept, new ones added, and everyone of the previous export who is no
longer a member (left the segment, withdrew consent, erased, lost their identifiers) is listed to remove,
with the hashes that were sent.

Uploads: see `audience_upload`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.audiences.hashing import hashed_identifiers
from campaigns.audiences.labels import ADVERTISING_PURPOSE
from campaigns.audiences.meta import AudienceAPIError, MetaAudienceClient
from campaigns.audiences.models import (
    AudienceExport,
    AudienceExportMember,
    AudienceUploadBatch,
    BatchStatus,
    Destination,
    ExportStatus,
    MemberAction,
)
from customers import selectors as customer_selectors
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.tenancy.context import brand_context
from segmentation import selectors as segment_selectors

log = logging.getLogger(__name__)

WRITE_BATCH = 5_000
READ_CHUNK = 2_000


class AudienceExportRefused(ValueError):
    """An export that cannot be made (a Meta export without an audience id)."""


def _eligible_customers(*, brand: Any, segment: Any) -> Iterator[Any]:
    """The segment's consenting members, in customer id order, READ_CHUNK at a time: a page of member ids
    (keyset on the segment's unique index), then those customers by primary key. Never one join of the
    whole segment with the customers, whose plan depends on statistics a fresh import leaves stale (a
    nested loop over both sets ran for minutes at 50,000 members)."""
    after = 0
    while True:
        ids = list(
            segment_selectors.segment_member_ids(brand=brand, segment=segment).filter(customer_id__gt=after)[
                :READ_CHUNK
            ]
        )
        if not ids:
            return
        after = ids[-1]
        chunk = customer_selectors.with_active_consent(
            customer_selectors.customer_list(brand=brand).select_related(None).filter(pk__in=ids),
            channel="email",
            purpose=ADVERTISING_PURPOSE,
        ).order_by("pk")
        yield from chunk


class _MemberWriter:
    """Buffers member rows and writes them WRITE_BATCH at a time."""

    def __init__(self, export: AudienceExport) -> None:
        self.export = export
        self.pending: list[AudienceExportMember] = []

    def add(self, customer_id: int, action: str, hashes: tuple[str, ...]) -> None:
        self.pending.append(
            AudienceExportMember(
                brand_id=self.export.brand_id,
                export=self.export,
                customer_id=customer_id,
                action=action,
                **dict(zip(AudienceExportMember.HASH_FIELDS, hashes, strict=True)),
            )
        )
        if len(self.pending) >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            AudienceExportMember.objects.bulk_create(self.pending)
            self.pending = []


def audience_export_previous(*, brand: Any, segment: Any, destination: str) -> AudienceExport | None:
    return (
        AudienceExport.objects.filter(brand=brand, segment=segment, destination=destination)
        .order_by("-created_at", "-id")
        .first()
    )


def audience_export_create(
    *, brand: Any, segment: Any, destination: str, platform_audience_id: str = "", actor: Any = None
) -> AudienceExport:
    """Record an export of the segment's consenting members to `destination`, with who to add, keep and
    remove since the previous export of the same segment to the same destination. Audited."""
    if destination not in Destination.values:
        raise AudienceExportRefused(f"Unknown destination {destination!r}")
    platform_audience_id = (platform_audience_id or "").strip()
    with transaction.atomic():
        previous = audience_export_previous(brand=brand, segment=segment, destination=destination)
        if destination == Destination.META:
            platform_audience_id = platform_audience_id or (previous.platform_audience_id if previous else "")
            if not platform_audience_id.isdigit():
                raise AudienceExportRefused("A Meta custom audience id (digits) is needed.")
        export = AudienceExport.objects.create(
            brand=brand,
            segment=segment,
            segment_name=segment.name,
            destination=destination,
            platform_audience_id=platform_audience_id if destination == Destination.META else "",
            previous=previous,
            created_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        )
        # One pass over two streams sorted by customer id (a merge join, memory flat at any size, no plan
        # to go wrong on tables analysed before this transaction's rows): the eligible customers, hashed
        # in Python (phonenumbers), and what the previous export sent.
        sent_before: Iterator[AudienceExportMember] = iter(())
        if previous is not None:
            sent_before = (
                AudienceExportMember.objects.filter(
                    brand=brand, export=previous, action__in=(MemberAction.ADD, MemberAction.KEEP)
                )
                .order_by("customer_id")
                .iterator(chunk_size=READ_CHUNK)
            )
        writer = _MemberWriter(export)
        counts = {"members": 0, "added": 0, "removed": 0}
        before = next(sent_before, None)

        def remove(row: AudienceExportMember) -> None:
            writer.add(row.customer_id, MemberAction.REMOVE, row.hashes())
            counts["removed"] += 1

        for customer in _eligible_customers(brand=brand, segment=segment):
            identifiers = hashed_identifiers(customer)
            if not identifiers.is_matchable:
                continue
            hashes = tuple(identifiers.row())
            counts["members"] += 1
            while before is not None and before.customer_id < customer.pk:
                remove(before)  # no longer exported: left the segment, withdrew, erased
                before = next(sent_before, None)
            old = None
            if before is not None and before.customer_id == customer.pk:
                old, before = before, next(sent_before, None)
            if old is not None and old.hashes() == hashes:
                writer.add(customer.pk, MemberAction.KEEP, hashes)
                continue
            writer.add(customer.pk, MemberAction.ADD, hashes)
            counts["added"] += 1
            if old is not None:
                remove(old)  # identifiers changed: the old digests go
        while before is not None:
            remove(before)
            before = next(sent_before, None)
        writer.flush()

        segment_size = segment_selectors.segment_member_ids(brand=brand, segment=segment).count()
        export.member_count = counts["members"]
        export.added_count = counts["added"]
        export.removed_count = counts["removed"]
        export.left_out_count = max(0, segment_size - counts["members"])
        export.save(update_fields=["member_count", "added_count", "removed_count", "left_out_count"])
        audit_log_record(
            brand=brand,
            action="audiences.export",
            actor=actor,
            obj=export,
            data={
                "segment_id": segment.pk,
                "destination": destination,
                "members": export.member_count,
                "added": export.added_count,
                "removed": export.removed_count,
                "left_out": export.left_out_count,
            },
        )
    return export


# --- uploads -----------------------------------------------------------------------------------------


def _batch_size() -> int:
    return max(1, int(getattr(settings, "META_AUDIENCE_BATCH_SIZE", 10_000)))


def _rows(*, brand: Any, export: AudienceExport, action: str) -> Any:
    actions = (MemberAction.ADD, MemberAction.KEEP) if action == "add" else (MemberAction.REMOVE,)
    return AudienceExportMember.objects.filter(brand=brand, export=export, action__in=actions).order_by(
        "customer_id", "id"
    )


def _upload_plan(*, brand: Any, export: AudienceExport) -> list[tuple[str, int, int, int]]:
    """(action, number, rows, after customer id) of every batch. "add" sends every current member (kept
    ones too: Meta skips those it has, and an audience emptied on the platform side is filled again);
    "remove" the removals. A batch is the `rows` rows after its customer id (keyset, not an offset), each
    customer once per action."""
    size = _batch_size()
    plan = []
    for action in ("add", "remove"):
        ids = _rows(brand=brand, export=export, action=action).values_list("customer_id", flat=True)
        number, count, batch_after, last = 0, 0, 0, 0
        for customer_id in ids.iterator(chunk_size=READ_CHUNK * 5):
            if count == 0:
                number += 1
                batch_after = last
            count += 1
            last = customer_id
            if count == size:
                plan.append((action, number, count, batch_after))
                count = 0
        if count:
            plan.append((action, number, count, batch_after))
    return plan


def meta_is_configured() -> bool:
    return bool(getattr(settings, "META_ADS_ACCESS_TOKEN", ""))


def meta_client() -> MetaAudienceClient:
    return MetaAudienceClient(
        access_token=getattr(settings, "META_ADS_ACCESS_TOKEN", ""),
        base_url=getattr(settings, "META_GRAPH_URL", "https://graph.facebook.com"),
        api_version=getattr(settings, "META_API_VERSION", "v21.0"),
    )


UPLOAD_TASK = "campaigns.audiences.tasks.upload_audience_task"


def audience_upload_enqueue(*, brand: Any, export: AudienceExport) -> None:
    """Hand the upload to a worker once the transaction that started it commits (CEL-07): a rolled-back
    start enqueues nothing; a lost task is harmless, the batches stay claimed and Upload can run again."""
    from functools import partial

    from celery import current_app

    transaction.on_commit(partial(current_app.tasks[UPLOAD_TASK].delay, brand.pk, export.pk))


def audience_upload_start(*, brand: Any, export: AudienceExport, actor: Any = None) -> AudienceExport:
    """Claim the export's batches in the upload send log (before anything leaves) and mark it uploading;
    the caller enqueues `upload_audience_task` after commit (`audience_upload_enqueue`). Idempotent:
    batches claimed again are kept."""
    if export.destination != Destination.META:
        raise AudienceExportRefused("Only a Meta export is uploaded.")
    with transaction.atomic():
        locked = AudienceExport.objects.select_for_update().get(brand=brand, pk=export.pk)
        plan = _upload_plan(brand=brand, export=locked)
        AudienceUploadBatch.objects.bulk_create(
            [
                AudienceUploadBatch(
                    brand_id=locked.brand_id,
                    export=locked,
                    action=a,
                    number=n,
                    row_count=r,
                    after_customer_id=k,
                )
                for a, n, r, k in plan
            ],
            ignore_conflicts=True,
        )
        # A person starting the upload again retries the batches the platform refused.
        AudienceUploadBatch.objects.filter(brand=brand, export=locked, status=BatchStatus.FAILED).update(
            status=BatchStatus.PENDING
        )
        if locked.status != ExportStatus.UPLOADED:
            locked.status = ExportStatus.UPLOADING
            locked.last_error = ""
            locked.save(update_fields=["status", "last_error"])
        audit_log_record(
            brand=brand, action="audiences.upload", actor=actor, obj=locked, data={"batches": len(plan)}
        )
    return locked


def _session_id(export_id: int, action: str) -> int:
    return export_id * 10 + (1 if action == "add" else 2)


def _send_batch(*, brand_id: int, batch_id: int, client: MetaAudienceClient) -> str:
    """Send one claimed batch, at most once: the row is locked for the call and marked sent in the same
    transaction, so a second worker waits, then finds it sent. Returns the batch's status."""
    with brand_context(brand_id):
        batch = (
            AudienceUploadBatch.objects.select_for_update()
            .select_related("export")
            .get(brand_id=brand_id, pk=batch_id)
        )
        if batch.status != BatchStatus.PENDING:
            return batch.status
        export = batch.export
        members = list(
            _rows(brand=brand_id, export=export, action=batch.action).filter(
                customer_id__gt=batch.after_customer_id
            )[: batch.row_count]
        )
        data = [m.hashes() for m in members]
        total_batches = AudienceUploadBatch.objects.filter(
            brand_id=brand_id, export=export, action=batch.action
        ).count()
        send = client.add_users if batch.action == "add" else client.remove_users
        batch.attempts += 1
        try:
            answer = send(
                export.platform_audience_id,
                data,
                session_id=_session_id(export.pk, batch.action),
                batch_seq=batch.number,
                last_batch=batch.number == total_batches,
                estimated_total=export.member_count if batch.action == "add" else export.removed_count,
            )
        except AudienceAPIError as error:
            batch.last_error = str(error)[:2000]
            if not error.is_transient:
                batch.status = BatchStatus.FAILED
            # A transient refusal stays pending (attempts and error committed): the task tries again later.
            batch.save(update_fields=["status", "attempts", "last_error"])
            return "retry" if error.is_transient else batch.status
        batch.status = BatchStatus.SENT
        batch.sent_at = timezone.now()
        batch.answer = {
            k: answer.get(k) for k in ("audience_id", "session_id", "num_received", "num_invalid_entries")
        }
        batch.last_error = ""
        batch.save(update_fields=["status", "attempts", "sent_at", "answer", "last_error"])
        return batch.status


def _batch_ids(*, brand_id: int, export_id: int) -> Iterator[int]:
    with brand_context(brand_id):
        ids = list(
            AudienceUploadBatch.objects.filter(brand_id=brand_id, export_id=export_id)
            .order_by("action", "number")
            .values_list("id", flat=True)
        )
    yield from ids


class UploadToRetry(Exception):
    """A batch was refused for a transient reason: the task retries later; sent batches are not sent again."""


def audience_upload(*, brand_id: int, export_id: int, client: MetaAudienceClient | None = None) -> str:
    """Send every pending batch of the export (the upload task's work). Each batch is its own transaction
    (see `_send_batch`). A permanent refusal marks the batch and the export failed and stops; a transient
    one raises UploadToRetry after the platform client's own retries. All sent: the export is uploaded."""
    client = client or meta_client()
    for batch_id in _batch_ids(brand_id=brand_id, export_id=export_id):
        status = _send_batch(brand_id=brand_id, batch_id=batch_id, client=client)
        if status == "retry":
            raise UploadToRetry(f"export {export_id}: batch {batch_id} to send again")
        if status == BatchStatus.FAILED:
            with brand_context(brand_id):
                error = (
                    AudienceUploadBatch.objects.filter(brand_id=brand_id, pk=batch_id)
                    .values_list("last_error", flat=True)
                    .first()
                )
                AudienceExport.objects.filter(brand_id=brand_id, pk=export_id).update(
                    status=ExportStatus.FAILED, last_error=error or ""
                )
            return ExportStatus.FAILED
    with brand_context(brand_id):
        AudienceExport.objects.filter(brand_id=brand_id, pk=export_id).update(
            status=ExportStatus.UPLOADED, uploaded_at=timezone.now(), last_error=""
        )
    return ExportStatus.UPLOADED


def audience_upload_give_up(*, brand_id: int, export_id: int, reason: str) -> str:
    """The platform kept refusing for a transient reason: mark the export failed with the last batch's
    error, so a person sees it and can start it again (sent batches are never sent again)."""
    with brand_context(brand_id):
        error = (
            AudienceUploadBatch.objects.filter(
                brand_id=brand_id, export_id=export_id, status=BatchStatus.PENDING
            )
            .exclude(last_error="")
            .order_by("action", "number")
            .values_list("last_error", flat=True)
            .first()
        )
        AudienceExport.objects.filter(brand_id=brand_id, pk=export_id).update(
            status=ExportStatus.FAILED, last_error=error or reason
        )
    return ExportStatus.FAILED
