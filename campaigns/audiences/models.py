"""Ad audiences: a saved segment exported as hashed identifiers for an ad platform's custom audience.

Every export is recorded with its hashed members, so the next export of the same segment to the same
destination lists who must be removed (left the segment, withdrew consent, erased). Uploads to the
platform go through a send log of batches (`AudienceUploadBatch`, unique per export, action and number)
claimed before anything leaves, so a retry never uploads a batch twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class Destination(models.TextChoices):
    FILE = "file", _("File download")
    META = "meta", _("Meta custom audience")


class ExportStatus(models.TextChoices):
    READY = "ready", _("Ready")
    UPLOADING = "uploading", _("Uploading")
    UPLOADED = "uploaded", _("Uploaded")
    FAILED = "failed", _("Upload failed")


class MemberAction(models.TextChoices):
    ADD = "add", _("Add")
    KEEP = "keep", _("Already in the audience")
    REMOVE = "remove", _("Remove")


class AudienceExport(BrandScopedModel):
    """One export of a segment's consenting members to one destination."""

    segment = models.ForeignKey(
        "segmentation.Segment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    segment_name = models.CharField(_("segment"), max_length=120)
    destination = models.CharField(_("destination"), max_length=16, choices=Destination.choices)
    # The platform's audience (Meta: the custom audience id); empty for a file.
    platform_audience_id = models.CharField(_("audience id"), max_length=64, blank=True)
    # The export of the same segment and destination this one is compared with (None: the first).
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.READY
    )
    member_count = models.PositiveIntegerField(_("members"), default=0)
    added_count = models.PositiveIntegerField(_("to add"), default=0)
    removed_count = models.PositiveIntegerField(_("to remove"), default=0)
    # Members of the segment left out: no current advertising consent, or nothing to match on.
    left_out_count = models.PositiveIntegerField(_("left out"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    uploaded_at = models.DateTimeField(_("uploaded"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["brand", "segment", "destination", "created_at"], name="audexport_brand_segment"
            ),
            models.Index(fields=["brand", "created_at"], name="audexport_brand_created"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_name} → {self.get_destination_display()}"


class AudienceExportMember(BrandScopedModel):
    """One customer of an export: to add, already there (kept), or to remove; with the SHA-256 of each
    normalised identifier (empty when unknown). A customer whose identifiers changed has two rows: the
    old hashes to remove, the new ones to add."""

    # Both looked up through the unique index (brand, export, customer, action): no index of their own.
    export = models.ForeignKey(AudienceExport, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    action = models.CharField(max_length=8, choices=MemberAction.choices)
    email = models.CharField(max_length=64, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    first_name = models.CharField(max_length=64, blank=True)
    last_name = models.CharField(max_length=64, blank=True)
    country = models.CharField(max_length=64, blank=True)
    postal_code = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "export", "customer", "action"], name="audmember_unique"
            ),
        ]

    HASH_FIELDS = ("email", "phone", "first_name", "last_name", "country", "postal_code")

    def hashes(self) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in self.HASH_FIELDS)


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not accepted")


class AudienceUploadBatch(BrandScopedModel):
    """The send log of uploads: one row per batch of an export sent to the platform, claimed (written)
    before the request leaves and marked sent in the same transaction as the platform's answer."""

    export = models.ForeignKey(AudienceExport, on_delete=models.CASCADE, related_name="+", db_index=False)
    action = models.CharField(max_length=8, choices=[("add", _("Add")), ("remove", _("Remove"))])
    number = models.PositiveIntegerField()
    # The batch is the `row_count` rows of its action after this customer id (keyset, fixed at claim time).
    after_customer_id = models.BigIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    answer = models.JSONField(default=dict, blank=True, help_text="The platform's answer (counts, ids)")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["export", "action", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "export", "action", "number"], name="audbatch_unique_key"
            ),
        ]
