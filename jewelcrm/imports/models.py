"""Import jobs and the column mappings remembered for next time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")
    PRODUCTS = "products", _("Products")
    SERIALS = "serials", _("Serialised items")
    STORES = "stores", _("Stores")


class ImportMode(models.TextChoices):
    VALID_ROWS = "valid_rows", _("Import the valid rows, report the rest")
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")


class ImportStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    ABORTED = "aborted", _("Nothing imported (errors, all or nothing)")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


def import_upload_path(instance: ImportJob, filename: str) -> str:
    # File paths include the brand (tenancy rule); the original name is kept for display only.
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"imports/{instance.brand_id}/{stamp}/{filename[-80:]}"


class ImportJob(BrandScopedModel):
    """One file imported into one kind of data, from upload to report."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=import_upload_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="field name -> header of the file")
    mode = models.CharField(
        _("mode"), max_length=16, choices=ImportMode.choices, default=ImportMode.VALID_ROWS
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.DRAFT
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent")
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    report = models.FileField(_("report"), upload_to=import_upload_path, max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Outbox and liveness, each committed apart from the import's own transaction: when the job was last
    # handed to the broker, the last sign of life of the worker running it, how many runs it took, and a
    # cancellation asked for while it runs.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    is_cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["brand", "created_at"], name="importjob_brand_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (
            ImportStatus.DONE,
            ImportStatus.ABORTED,
            ImportStatus.FAILED,
            ImportStatus.CANCELLED,
        )

    @property
    def may_retry(self) -> bool:
        # A file removed by an erasure (jewelcrm.imports.erasure) cannot be run again.
        return self.status in (ImportStatus.FAILED, ImportStatus.CANCELLED) and bool(self.file)

    @property
    def may_cancel(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and not self.is_cancel_requested


class ColumnMapping(BrandScopedModel):
    """The mapping a brand chose for one kind and one header layout, offered again next time."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    signature = models.CharField(max_length=64, help_text="Hash of the normalised headers")
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "kind", "signature"], name="columnmapping_unique_signature"
            )
        ]
