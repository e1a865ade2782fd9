"""Rebuild a brand's insights tables: one set-based statement over the facts other apps report.

`statements` holds the SQL templates, `refresh` the rebuild, `bands` the brand's price bands; callers
import from `segmentation.insights.services`.
"""

from segmentation.insights.services.bands import (
    insights_settings_update,
    price_band_limits_of,
)
from segmentation.insights.services.refresh import (
    _mix_statement,
    _sell_through_precompute,
    _statement,
    insights_mix_refresh,
    insights_refresh,
)
from segmentation.insights.services.statements import (
    _AGED,
    _CLAIMS,
    _COHORTS,
    _DUE,
    _MIX,
    _OVERVIEW_ORDERS,
    _OVERVIEW_WARRANTIES,
    _REBUILD,
    _SALES,
    _SECOND_PURCHASE,
    _SERVICES,
    _SLICES,
    _STOCK_AGE,
    _STORE_WEEK,
)

__all__ = [
    "_AGED",
    "_CLAIMS",
    "_COHORTS",
    "_DUE",
    "_MIX",
    "_OVERVIEW_ORDERS",
    "_OVERVIEW_WARRANTIES",
    "_REBUILD",
    "_SALES",
    "_SECOND_PURCHASE",
    "_SERVICES",
    "_SLICES",
    "_STOCK_AGE",
    "_STORE_WEEK",
    "_mix_statement",
    "_sell_through_precompute",
    "_statement",
    "insights_mix_refresh",
    "insights_refresh",
    "insights_settings_update",
    "price_band_limits_of",
]
