"""Small aggregate tables the insights pages read, filled by `services.insights_refresh`.

A page view never scans the order lines or the stock movements: it reads these weekly figures per store
and product, which the nightly job rebuilds for the brand in one set-based statement.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.tenancy.models import BrandScopedModel

# The weekly tables are rebuilt set-based each night from facts that already reference existing stores and
# products: a database foreign key (and its single-column index) would check millions of rows again at the
# rebuild's commit. The relation stays for the ORM (a deleted store or product takes its rows with it).
_DERIVED = {"on_delete": models.CASCADE, "related_name": "+", "db_constraint": False, "db_index": False}


class StoreProductWeek(BrandScopedModel):
    """What one store received, sold and registered of one product in one week (Monday to Sunday)."""

    store = models.ForeignKey("retail.Store", **_DERIVED)
    product = models.ForeignKey("catalog.Product", **_DERIVED)
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


class StoreWeek(BrandScopedModel):
    """`StoreProductWeek` summed over the products: one store's week (the pages' per-store figures read a
    few thousand rows, not the store × product rows of every product a store carries)."""

    store = models.ForeignKey("retail.Store", **_DERIVED)
    week = models.DateField(help_text="The Monday that starts the week")
    received = models.IntegerField(default=0)
    sold = models.IntegerField(default=0)
    registered = models.IntegerField(default=0)
    grey_market = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "store", "week"], name="storeweek_unique")]
        indexes = [models.Index(fields=["brand", "week"], name="storeweek_brand_week")]


class InsightsRefresh(BrandScopedModel):
    """When the brand's aggregate tables were last rebuilt, and how many rows they hold."""

    finished_at = models.DateTimeField(default=timezone.now)
    rows = models.IntegerField(default=0)
    price_band_limits = ArrayField(
        models.PositiveIntegerField(), default=list, help_text="The price bands `MixWeek` was grouped by"
    )
    sell_through_start = models.DateField(null=True, help_text="The period `ProductSellThrough` covers")
    sell_through_end = models.DateField(null=True)
    products_print = models.CharField(
        max_length=40, blank=True, help_text="What the product mix grouped the products by (a fingerprint)"
    )

    class Meta:
        indexes = [models.Index(fields=["brand", "finished_at"], name="insightsrefresh_brand_at")]


class SalesWeek(BrandScopedModel):
    """Units and revenue (net of refunds, in the brand's currency) of one product, one week, one store (none
    for the e-shop), one channel and one country (the store's, else the customer's)."""

    week = models.DateField(help_text="The Monday that starts the week")
    store = models.ForeignKey("retail.Store", null=True, **_DERIVED)
    product = models.ForeignKey("catalog.Product", **_DERIVED)
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
        # The whole brand's weeks read through the unique index (brand, week, …).
        indexes = [models.Index(fields=["brand", "store", "week"], name="salesweek_brand_store_week")]


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


class OverviewMonth(BrandScopedModel):
    """One month of one slice of the brand, for the overview page.

    A slice is the whole brand (no store, no channel, no country), one store, one channel, one country, or
    a store or a country on one channel: a page reads the rows of exactly one slice. The changes
    (`new_customers`, `new_repeat_customers`, `active_12m_change`, `active_24m_change`) add up over the
    months to the figure at a month's end (customers who had bought by then, who had bought twice, who
    bought in the 12 or 24 months before), so any period reads a few dozen rows. Several rows of a slice and
    month (one per kind of figure) add up.
    """

    month = models.DateField(help_text="The first day of the month")
    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, null=True, related_name="+")
    channel = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True)
    orders = models.IntegerField(default=0)
    valued_orders = models.IntegerField(default=0, help_text="Orders with a value in the brand's currency")
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    new_revenue = models.DecimalField(
        max_digits=16, decimal_places=2, default=0, help_text="Orders of a customer's first day of purchase"
    )
    returning_revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    new_customers = models.IntegerField(default=0, help_text="Customers whose first purchase in the slice")
    new_repeat_customers = models.IntegerField(default=0, help_text="Customers whose second purchase")
    active_12m_change = models.IntegerField(default=0)
    active_24m_change = models.IntegerField(default=0)
    registrations = models.IntegerField(default=0, help_text="Sales registered with a digital warranty")
    pieces_sold = models.IntegerField(default=0, help_text="Serialised pieces sold in a store, each once")

    class Meta:
        indexes = [
            models.Index(fields=["brand", "store", "channel", "country", "month"], name="overviewmonth_slice")
        ]


class CohortQuarter(BrandScopedModel):
    """Customers first acquired in quarter `cohort` who bought in quarter `quarter` (the cohort's own quarter
    gives its size): the cohort retention triangle."""

    cohort = models.DateField(help_text="The first day of the quarter of the customer's first purchase")
    quarter = models.DateField(help_text="The first day of a quarter with a purchase")
    customers = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "cohort", "quarter"], name="cohortquarter_unique")
        ]


class SecondPurchaseGap(BrandScopedModel):
    """How many customers made their second purchase (another day than the first) `days` after their first."""

    days = models.IntegerField()
    customers = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "days"], name="secondpurchasegap_unique")]


class ServiceMonth(BrandScopedModel):
    """Interventions of one kind in one store and month: received (and of those under warranty), returned
    (and their days from received to returned). Rows of a store, kind and month add up."""

    month = models.DateField(help_text="The first day of the month")
    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24)
    received = models.IntegerField(default=0)
    under_warranty = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    turnaround_days = models.IntegerField(default=0, help_text="Sum of days from received to returned")

    class Meta:
        indexes = [models.Index(fields=["brand", "month"], name="servicemonth_brand_month")]


class ClaimMonth(BrandScopedModel):
    """Warranty claims of one store in one currency: submitted in the month (and the amount claimed),
    decided in the month (paid, with the payout, or rejected). Rows of a store, currency and month add up."""

    month = models.DateField(help_text="The first day of the month")
    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    submitted = models.IntegerField(default=0)
    claimed = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    paid = models.IntegerField(default=0)
    payout = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    rejected = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["brand", "month"], name="claimmonth_brand_month")]


class ServiceDue(BrandScopedModel):
    """Pieces sold in one store whose next service falls in one month (the product's service interval after
    the sale or the last service)."""

    store = models.ForeignKey("retail.Store", on_delete=models.CASCADE, related_name="+")
    due_month = models.DateField(help_text="The first day of the month the service is due")
    pieces = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "store", "due_month"], name="servicedue_unique")
        ]


class MixWeek(BrandScopedModel):
    """The product mix of one week already grouped by each dimension, for the whole brand, one country,
    one category, or one country and category (`''` = all): a page without a store filter reads a few
    hundred of these rows instead of every product's weekly sales. `dimension` is collection, category,
    metal, price_band (key: the band's index under the limits of the last rebuild, -1 without a public
    price), country, store (key: the store's id, '' online), channel, or country_band (key: "FR:3")."""

    week = models.DateField(help_text="The Monday that starts the week")
    country = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=24, blank=True)
    dimension = models.CharField(max_length=16)
    key = models.CharField(max_length=120, blank=True)
    units = models.IntegerField(default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["brand", "dimension", "country", "category", "week"], name="mixweek_slice")
        ]


class ProductSellThrough(BrandScopedModel):
    """Each product's sell-through against its category's benchmark over the default period (the 13 whole
    weeks before the rebuild's week), for the whole network (`country` '') and for each country of the
    brand's stores: computed once a night, read by the page when it shows that period without a store
    filter."""

    country = models.CharField(max_length=2, blank=True, default="")
    period_start = models.DateField()
    period_end = models.DateField()
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    received = models.IntegerField(default=0)
    sold = models.IntegerField(default=0)
    rate = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    benchmark = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    weeks_under = models.IntegerField(default=0)
    is_candidate = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "country", "product"], name="productsellthrough_unique")
        ]
