"""Small aggregate tables the insights pages read, filled by `services.insights_refresh`.

A page view never scans the order lines or the stock movements: it reads these weekly figures per store
and product, which the nightly job rebuilds for the brand in one set-based statement.
"""

from django.db import models
from django.utils import timezone

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
