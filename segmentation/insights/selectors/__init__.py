"""Reads of the insights pages. Every figure comes from the small weekly table the nightly job fills
(`StoreProductWeek`) or from an aggregate query on the current stock: never from a scan of order lines.

Definitions (also shown on the pages):
- sell-through of a product (or a store) over a period = pieces sold / pieces received in that period;
  with no receipts it is undefined ("no receipts"), never a division by zero;
- the benchmark of a product is the median sell-through of the products of its category over the period;
- a product under-performs in a week when its sell-through from the start of the period to the end of
  that week is below its category's benchmark for the same span; it is a candidate to phase out when it
  under-performs in each of the last N weeks of the period;
- weeks of cover = pieces in stock now / pieces sold per week over the period;
- registration rate of a store = sales registered with a digital warranty / pieces sold.

The modules below are how the code is filed; callers import from `segmentation.insights.selectors`.
"""

from segmentation.insights.selectors.base import (
    DEFAULT_WEEKS,
    Period,
    Scope,
    _rate,
    _weeks,
    last_refresh,
)
from segmentation.insights.selectors.mix import (
    CHANNEL_LABELS,
    DIMENSIONS,
    MixRow,
    ProductMix,
    _band_expression,
    _mix_from_rollup,
    _mix_from_sales,
    price_band_limits,
    product_mix,
)
from segmentation.insights.selectors.sell_through import (
    PRECOMPUTED_WEEKS_IN_A_ROW,
    ProductRow,
    _median,
    _sort_products,
    last_precomputed_period,
    sell_through_by_product,
    sell_through_live,
)
from segmentation.insights.selectors.stores import (
    GreyMarket,
    StoreRow,
    Suggestion,
    _stock_by_store,
    grey_market_by_week,
    store_figures,
    transfer_suggestions,
)

__all__ = [
    "CHANNEL_LABELS",
    "DEFAULT_WEEKS",
    "DIMENSIONS",
    "GreyMarket",
    "MixRow",
    "PRECOMPUTED_WEEKS_IN_A_ROW",
    "Period",
    "ProductMix",
    "ProductRow",
    "Scope",
    "StoreRow",
    "Suggestion",
    "_band_expression",
    "_median",
    "_mix_from_rollup",
    "_mix_from_sales",
    "_rate",
    "_sort_products",
    "_stock_by_store",
    "_weeks",
    "grey_market_by_week",
    "last_precomputed_period",
    "last_refresh",
    "price_band_limits",
    "product_mix",
    "sell_through_by_product",
    "sell_through_live",
    "store_figures",
    "transfer_suggestions",
]
