from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from jewelcrm.tenancy.models import BrandScopedModel


class Retailer(BrandScopedModel):
    """A company selling the brand: the brand's own retail arm or an independent authorised dealer."""

    name = models.CharField(_("name"), max_length=150)
    is_own = models.BooleanField(_("brand's own retail"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="retailer_unique_name")]

    def __str__(self) -> str:
        return self.name


class StoreType(models.TextChoices):
    BOUTIQUE = "boutique", _("Own boutique")
    CORNER = "corner", _("Corner")
    AUTHORISED_DEALER = "authorised_dealer", _("Authorised dealer")
    ESHOP = "eshop", _("E-shop")


class Store(BrandScopedModel):
    retailer = models.ForeignKey(Retailer, on_delete=models.PROTECT, related_name="stores")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=150)
    type = models.CharField(_("type"), max_length=32, choices=StoreType.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = CountryField(_("country"))
    currency = models.CharField(_("currency"), max_length=3)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    market = models.CharField(
        _("allocated market"),
        max_length=32,
        blank=True,
        help_text=_("Countries this store may sell to, e.g. 'FR' or 'EU'; empty means its own country."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["brand", "code"], name="store_unique_code")]
        indexes = [models.Index(fields=["brand", "country", "city"], name="store_brand_country_city")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"
