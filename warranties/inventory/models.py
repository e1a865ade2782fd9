"""Serialised items and their stock movements."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class ItemStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    IN_TRANSIT = "in_transit", _("In transit")
    SOLD = "sold", _("Sold")
    IN_SERVICE = "in_service", _("In service")
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    DESTROYED = "destroyed", _("Destroyed")


class Item(BrandScopedModel):
    """One physical piece, identified by its serial within the brand and by a public code."""

    serial = models.CharField(_("serial"), max_length=64)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="items")
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.IN_STOCK
    )
    current_store = models.ForeignKey(
        "retail.Store", on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    shipped_to_store = models.ForeignKey(
        "retail.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The store the brand shipped it to (grey-market check).",
    )
    shipped_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    public_code = models.CharField(_("public code"), max_length=32, db_index=True)
    status_before_loss = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["serial"]
        # No index on UPPER(serial): under row-level security a non-leakproof function such as UPPER
        # cannot be used in an index condition, so services store serials upper-cased and look-ups use
        # plain equality on (brand, serial) (see selectors.item_find).
        constraints = [
            models.UniqueConstraint(fields=["brand", "serial"], name="item_unique_serial"),
            models.UniqueConstraint(fields=["brand", "public_code"], name="item_unique_public_code"),
        ]
        indexes = [
            models.Index(fields=["brand", "current_store", "status"], name="item_brand_store_status"),
            models.Index(fields=["brand", "owner"], name="item_brand_owner"),
            models.Index(fields=["brand", "product"], name="item_brand_product"),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def is_flagged(self) -> bool:
        return self.status in (ItemStatus.LOST, ItemStatus.STOLEN)


class MovementKind(models.TextChoices):
    SHIPMENT = "shipment", _("Shipment from the brand")
    TRANSFER = "transfer", _("Transfer between stores")
    RETURN = "return", _("Return to the brand")
    ADJUSTMENT = "adjustment", _("Stock adjustment")


class StockMovement(BrandScopedModel):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    from_store = models.ForeignKey(
        "retail.Store", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_store = models.ForeignKey(
        "retail.Store", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True, help_text="Receipt confirmed by the store")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["brand", "item", "sent_at"], name="movement_brand_item"),
            models.Index(fields=["brand", "to_store", "received_at"], name="movement_brand_to_store"),
        ]
