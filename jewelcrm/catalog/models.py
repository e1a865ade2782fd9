from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class Category(models.TextChoices):
    RING = "ring", _("Ring")
    NECKLACE = "necklace", _("Necklace")
    PENDANT = "pendant", _("Pendant")
    BRACELET = "bracelet", _("Bracelet")
    EARRINGS = "earrings", _("Earrings")
    CHARM = "charm", _("Charm")
    WATCH = "watch", _("Watch")
    OTHER = "other", _("Other")


class Product(BrandScopedModel):
    reference = models.CharField(_("reference"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    collection = models.CharField(_("collection"), max_length=100, blank=True)
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, default=Category.OTHER
    )
    metal = models.CharField(_("metal"), max_length=100, blank=True)
    stones = models.CharField(_("stones"), max_length=200, blank=True)
    price = models.DecimalField(_("public price"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=24)
    service_interval_months = models.PositiveSmallIntegerField(
        _("service interval (months)"), null=True, blank=True
    )
    photo = models.FileField(_("photo"), upload_to="products/", blank=True)
    # A small JPEG made from the photo (jewelcrm.catalog.photos): what lists, forms and pages show.
    photo_thumbnail = models.FileField(upload_to="products/", blank=True, editable=False)
    complements = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        through="ProductComplement",
        through_fields=("from_product", "to_product"),
        verbose_name=_("complementary products"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "reference"], name="product_unique_reference")
        ]
        indexes = [models.Index(fields=["brand", "collection", "category"], name="product_brand_coll_cat")]

    def __str__(self) -> str:
        return f"{self.reference} · {self.name}"

    @property
    def picture(self) -> Any:
        """The file to show in a list or a card: the thumbnail, else the photo, else an empty file."""
        return self.photo_thumbnail if self.photo_thumbnail else self.photo

    @property
    def name(self) -> str:
        if translation.get_language() == "fr" and self.name_fr:
            return self.name_fr
        return self.name_en or self.name_fr


class ProductComplement(BrandScopedModel):
    """A product offered with another one. The link carries the brand, so row-level security covers it."""

    from_product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    to_product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "catalog_product_complement"
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "from_product", "to_product"], name="product_complement_unique"
            )
        ]
        indexes = [models.Index(fields=["brand", "to_product"], name="product_complement_brand_to")]

    def __str__(self) -> str:
        return f"{self.from_product_id} → {self.to_product_id}"
