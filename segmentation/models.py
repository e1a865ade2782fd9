"""Nightly scores, the brand's RFM rules, saved segments and the runs that produce them.

Scores are kept per run: a run writes its rows under its own id, then publishes itself in one short
transaction (the brand's published run changes and the rows of older runs go), so readers always see one
complete run and a failed run leaves the previous results in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Nightly schedule")
    MANUAL = "manual", _("Started by a brand admin")
    DEMO = "demo", _("Demo")
    COMMAND = "command", _("Command line")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class PipelineRun(BrandScopedModel):
    """One run of the nightly pipeline for one brand: what it did, how long each stage took, how well the
    models fitted. At most one run per brand is waiting or running (a unique constraint)."""

    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=16, choices=RunTrigger.choices, default=RunTrigger.SCHEDULE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run_date = models.DateField(help_text="The brand's local date when the run was asked for")
    observation_date = models.DateField(help_text="Purchases up to and including this day are counted")
    stage = models.CharField(max_length=24, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="stage -> seconds")
    rows = models.JSONField(default=dict, blank=True, help_text="what was counted and written")
    fit = models.JSONField(default=dict, blank=True, help_text="models, parameters and their fit quality")
    notes = models.JSONField(default=list, blank=True, help_text="[code, params] shown in words")
    summary = models.JSONField(default=dict, blank=True, help_text="segment counts, migration, profile")
    aggregates = models.JSONField(
        default=dict, blank=True, help_text="the scores grouped for the insights pages, kept at publishing"
    )
    error = models.TextField(blank=True)
    is_published = models.BooleanField(default=False)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand"],
                condition=Q(status__in=["queued", "running"]),
                name="pipelinerun_one_active_per_brand",
            ),
            models.UniqueConstraint(
                fields=["brand"], condition=Q(is_published=True), name="pipelinerun_one_published_per_brand"
            ),
        ]
        indexes = [models.Index(fields=["brand", "-queued_at"], name="pipelinerun_brand_queued")]

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class CustomerScore(BrandScopedModel):
    """A customer's scores in one run. Written set-based by the pipeline, never row by row.

    `customer` has no database constraint (the rows are written in bulk and a run's rows go with the
    run); segmentation/customer_data.py lists these rows in a GDPR export and deletes them on erasure."""

    # No database constraint to the brand (the ORM still protects it): the scores are rebuilt every night,
    # and checking a million rows' brand one by one at commit cost the write-back seconds; row-level
    # security already refuses a row of another brand (docs/adr/0052-nightly-segmentation-in-35-seconds.md).
    brand = models.ForeignKey(
        "accounts.Brand",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
        db_constraint=False,
    )
    # No index of their own: every read names the brand, and (brand, run, customer) and (brand, customer)
    # serve them; each index costs the nightly write-back of a million rows seconds.
    run = models.ForeignKey(
        PipelineRun, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # The BTYD summary in days at the run's observation date (lifetimes' definitions).
    frequency = models.IntegerField()
    recency = models.IntegerField()
    t = models.IntegerField(db_column="t")
    monetary_value = models.FloatField()
    # RFM
    purchases = models.IntegerField()
    total_spend = models.FloatField()
    first_purchase = models.DateField()
    last_purchase = models.DateField()
    days_since_last = models.IntegerField()
    r_score = models.PositiveSmallIntegerField()
    f_score = models.PositiveSmallIntegerField()
    m_score = models.PositiveSmallIntegerField()
    rfm_segment = models.CharField(max_length=24)
    # Historic lifetime value and its three factors
    average_order_value = models.FloatField()
    purchases_per_year = models.FloatField()
    lifespan_years = models.FloatField()
    clv_historic = models.FloatField()
    # Predictive lifetime value (null when the model could not be fitted)
    p_alive = models.FloatField(null=True)
    expected_purchases_12m = models.FloatField(null=True)
    clv_12m = models.FloatField(null=True)
    clv_12m_low = models.FloatField(null=True)
    clv_12m_high = models.FloatField(null=True)
    clv_36m = models.FloatField(null=True)
    value_band = models.PositiveSmallIntegerField(default=0, help_text="1 (lowest) .. 10 (top decile)")
    # Churn (null when the model did not beat recency alone)
    churn_risk = models.FloatField(null=True)
    value_at_risk = models.FloatField(null=True)
    drivers = models.JSONField(default=list, blank=True)
    cluster = models.SmallIntegerField(null=True)

    class Meta:
        constraints = [
            # One score per customer and run. Customer before run: this index also finds a person's
            # scores (the customer page, merges, erasure, exports); a run's scores are found by the
            # builder index below, which starts with the run (one index less to write every night).
            models.UniqueConstraint(fields=["brand", "customer", "run"], name="customerscore_unique"),
        ]
        indexes = [
            # The builder's live count: every rule on scores answered from the index alone.
            models.Index(
                fields=["brand", "run", "rfm_segment", "value_band"],
                include=["customer", "clv_12m", "churn_risk", "cluster"],
                name="customerscore_builder",
            ),
        ]


class SegmentRules(BrandScopedModel):
    """The brand's RFM cut-offs and named segments (first matching rule wins). Until the brand edits them
    they are recomputed by every run from the brand's own purchase intervals."""

    recency_cutoffs = models.JSONField(help_text="4 day counts: R5 up to the first, R4 up to the second...")
    frequency_cutoffs = models.JSONField(
        help_text="4 purchase counts: F2 from the first, F3 from the second..."
    )
    monetary_cutoffs = models.JSONField(help_text="4 amounts: M2 from the first...")
    segments = models.JSONField(help_text="[{code, r: [min, max], f: [min, max]}] in order")
    derived_from = models.JSONField(default=dict, blank=True)
    is_customised = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand"], name="segmentrules_one_per_brand")]


class Segment(BrandScopedModel):
    """A saved segment: rules a marketer built; members refreshed nightly and on demand."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(default=list)
    member_count = models.IntegerField(default=0)
    previous_count = models.IntegerField(null=True, blank=True)
    joined_count = models.IntegerField(default=0)
    left_count = models.IntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="segment_unique_name")]


class SegmentMember(BrandScopedModel):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "segment", "customer"], name="segmentmember_unique"),
        ]
        indexes = [models.Index(fields=["brand", "customer"], name="segmentmember_brand_customer")]
