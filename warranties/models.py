"""Warranty registrations (sales), interventions, warranty claims and the item timeline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class RegistrationKind(models.TextChoices):
    SALE = "sale", _("Sale")
    TRANSFER = "transfer", _("Ownership transfer")


class Registration(BrandScopedModel):
    """The sale of an item to its owner, which activates the digital warranty."""

    # Free-text personal data blanked by customers.gdpr.customer_erase (contract C4).
    personal_fields = ("gift_recipient_name",)

    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="registrations")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="registrations")
    store = models.ForeignKey("retail.Store", on_delete=models.PROTECT, related_name="registrations")
    associate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(
        "customers.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sold_on = models.DateField(_("date of sale"))
    registered_at = models.DateTimeField(default=timezone.now)
    price_paid = models.DecimalField(_("price paid"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    is_gift = models.BooleanField(_("gift"), default=False)
    gift_recipient_name = models.CharField(_("recipient's name"), max_length=150, blank=True)
    gift_relation = models.CharField(_("relation"), max_length=16, blank=True)
    gift_occasion = models.CharField(_("occasion"), max_length=32, blank=True)
    gift_recipient = models.ForeignKey(
        "customers.Relation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    warranty_starts_on = models.DateField()
    warranty_ends_on = models.DateField()
    is_grey_market = models.BooleanField(default=False)
    grey_market_reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)
    idempotency_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the API request body that carried the idempotency key",
    )
    is_current = models.BooleanField(default=True, help_text="False once ownership moved on")
    kind = models.CharField(
        max_length=16,
        choices=RegistrationKind.choices,
        default=RegistrationKind.SALE,
        help_text="A sale by a store, or an ownership transfer that keeps the warranty of the sale",
    )

    class Meta:
        ordering = ["-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="registration_idempotency",
            ),
            models.UniqueConstraint(
                fields=["brand", "item"],
                condition=Q(is_current=True),
                name="registration_one_current_per_item",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "registered_at"], name="registration_brand_at"),
            models.Index(fields=["brand", "store", "registered_at"], name="registration_brand_store"),
            models.Index(fields=["brand", "customer"], name="registration_brand_customer"),
            models.Index(
                fields=["brand", "registered_at"],
                condition=Q(is_grey_market=True),
                name="registration_grey_market",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.sold_on}"

    @property
    def is_under_warranty(self) -> bool:
        return self.warranty_starts_on <= timezone.localdate() <= self.warranty_ends_on


class InterventionKind(models.TextChoices):
    SERVICE = "service", _("Service")
    REPAIR = "repair", _("Repair")
    CLEANING = "cleaning", _("Cleaning")
    RESIZING = "resizing", _("Resizing")
    ENGRAVING = "engraving", _("Engraving")
    STONE_REPLACEMENT = "stone_replacement", _("Stone replacement")
    BATTERY = "battery", _("Battery")
    MODIFICATION = "modification", _("Modification")


class InterventionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_WORKSHOP = "in_workshop", _("In the workshop")
    READY = "ready", _("Ready for collection")
    RETURNED = "returned", _("Returned to the owner")


class Intervention(BrandScopedModel):
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="interventions")
    store = models.ForeignKey("retail.Store", on_delete=models.PROTECT, related_name="interventions")
    kind = models.CharField(_("type"), max_length=24, choices=InterventionKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=InterventionStatus.choices, default=InterventionStatus.RECEIVED
    )
    received_on = models.DateField(_("received on"))
    ready_on = models.DateField(_("ready on"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    parts = models.CharField(_("parts"), max_length=255, blank=True)
    labour_cost = models.DecimalField(_("labour"), max_digits=10, decimal_places=2, default=0)
    parts_cost = models.DecimalField(_("parts cost"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    is_under_warranty = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["brand", "item", "received_on"], name="intervention_brand_item"),
            models.Index(fields=["brand", "store", "status"], name="intervention_brand_store"),
        ]


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PARTIALLY_APPROVED = "partially_approved", _("Partially approved")
    REJECTED = "rejected", _("Rejected")


class WarrantyClaim(BrandScopedModel):
    """A store's request to be reimbursed for warranty work it performed."""

    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="claims")
    store = models.ForeignKey("retail.Store", on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(max_length=24, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED)
    labour_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    parts_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3)
    approved_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "intervention"],
                condition=Q(status__in=["submitted", "approved", "partially_approved"]),
                name="claim_one_open_per_intervention",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "status", "submitted_at"], name="claim_brand_status"),
            models.Index(fields=["brand", "store", "decided_at"], name="claim_brand_store_decided"),
        ]

    @property
    def claimed_amount(self):  # type: ignore[no-untyped-def]
        return self.labour_amount + self.parts_amount


class ItemEvent(BrandScopedModel):
    """One line of an item's timeline. `is_public` marks what the public item page may show."""

    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    at = models.DateTimeField(default=timezone.now)
    store = models.ForeignKey(
        "retail.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["brand", "item", "at"], name="itemevent_brand_item_at")]
