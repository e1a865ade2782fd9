"""Reads of ad audiences: the brand's exports, one export, its batches and the rows of its files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from campaigns.audiences.models import AudienceExport, AudienceExportMember, AudienceUploadBatch, MemberAction

# What a downloaded file holds: every current member (a new audience, or "replace"), the additions only,
# or the removals (the platform's "remove customers" upload).
FILE_PARTS = {
    "members": (MemberAction.ADD, MemberAction.KEEP),
    "add": (MemberAction.ADD,),
    "remove": (MemberAction.REMOVE,),
}


def audience_export_list(*, brand: Any) -> QuerySet[AudienceExport]:
    return (
        AudienceExport.objects.filter(brand=brand).select_related("created_by").order_by("-created_at", "-id")
    )


def audience_export_get(*, brand: Any, export_id: int) -> AudienceExport | None:
    return audience_export_list(brand=brand).filter(pk=export_id).first()


def audience_batch_list(*, brand: Any, export: AudienceExport) -> QuerySet[AudienceUploadBatch]:
    return AudienceUploadBatch.objects.filter(brand=brand, export=export).order_by("action", "number")


def audience_file_rows(*, brand: Any, export: AudienceExport, part: str) -> Iterator[tuple[str, ...]]:
    """The hashed rows of one part of the export (COLUMNS order), in customer order, read in chunks."""
    rows = (
        AudienceExportMember.objects.filter(brand=brand, export=export, action__in=FILE_PARTS[part])
        .order_by("customer_id", "id")
        .values_list(*AudienceExportMember.HASH_FIELDS)
    )
    yield from rows.iterator(chunk_size=2000)
