"""Small aggregate tables the insights pages read, filled by `services.insights_refresh`.

A page view never scans the order lines or the stock movements: it reads these weekly figures per store
and product, which the nightly job rebuilds for the brand in one set-based statement.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel


class StoreProductWeek(BrandScopedModel):
    """What one store received, sold and registered of one product in one week (Monday to Sunday)."""

    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday that starts the week")
    received = models.IntegerField(default=0, help_text="Pieces whose receipt the store confirmed")
    sold = models.IntegerField(default=0, help_text="Pieces that left the store's stock by a sale")
    registered = models.IntegerField(default=0, help_text="Sales registered with a digital warranty")
    grey_market = models.IntegerField(default=0, help_text="Registrations flagged as grey market")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "store", "product", "week"], name="storeproductweek_unique"
            ),
        ]
        indexes = [models.Index(fields=["brand", "week"], name="storeproductweek_brand_week")]


class InsightsRefresh(BrandScopedModel):
    """When the brand's aggregate tables were last rebuilt, and how many rows they hold."""

    finished_at = models.DateTimeField(default=timezone.now)
    rows = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["brand", "finished_at"], name="insightsrefresh_brand_at")]


class SalesWeek(BrandScopedModel):
    """Units and revenue (net of refunds, in the brand's currency) of one product, one week, one store (none
    for the e-shop), one channel and one country (the store's, else the customer's)."""

    week = models.DateField(help_text="The Monday that starts the week")
    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, null=True, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    country = models.CharField(max_length=2, blank=True)
    units = models.IntegerField(default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "week", "store", "product", "channel", "country"],
                name="salesweek_unique",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["brand", "week"], name="salesweek_brand_week")]


def default_price_bands() -> list[int]:
    return [500, 1000, 2500, 5000, 10000]


class InsightsSettings(BrandScopedModel):
    """What each brand sets for its insights: the upper limits of its price bands (brand currency)."""

    price_band_limits = ArrayField(
        models.PositiveIntegerField(),
        default=default_price_bands,
        verbose_name=_("price band limits"),
        help_text=_("Public prices in the brand's currency where a band ends, in increasing order."),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand"], name="insightssettings_one_per_brand")]


class StoreStockAge(BrandScopedModel):
    """Pieces in stock in one store at the last rebuild, and how many have been there long."""

    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, related_name="+")
    in_stock = models.IntegerField(default=0)
    over_180 = models.IntegerField(default=0, help_text="In the store for more than 180 days")
    over_365 = models.IntegerField(default=0, help_text="In the store for more than 365 days")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "store"], name="storestockage_unique")]


class AgedPiece(BrandScopedModel):
    """A piece in a store for more than 180 days at the last rebuild: where transfer suggestions start."""

    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    in_store_since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "item"], name="agedpiece_unique")]
        indexes = [models.Index(fields=["brand", "in_store_since"], name="agedpiece_brand_since")]
