"""Insights pages of the brand dashboard: sell-through, registration rate of the network, stock ageing.

Brand staff read them (owner, admin, marketer, analyst); retailer staff get 403. Every page obeys the same
filters, kept in the URL, and answers its table as CSV with `?format=csv`.

The pages are filed in the modules below; urls.py and callers import them from `segmentation.insights.views`.
"""

from segmentation.insights.views.aftersales import ServicesView
from segmentation.insights.views.common import (
    _bar_chart,
    _InsightsPage,
    _month_chart,
    _percent,
    _with_format,
    _with_table,
)
from segmentation.insights.views.customers import CustomersView
from segmentation.insights.views.merchandising import (
    CANDIDATES_SHOWN,
    NetworkView,
    PriceBandsView,
    ProductMixView,
    SellThroughView,
)
from segmentation.insights.views.overview import OverviewView
from segmentation.insights.views.stock import StockView, TransferView

__all__ = [
    "CANDIDATES_SHOWN",
    "CustomersView",
    "NetworkView",
    "OverviewView",
    "PriceBandsView",
    "ProductMixView",
    "SellThroughView",
    "ServicesView",
    "StockView",
    "TransferView",
    "_InsightsPage",
    "_bar_chart",
    "_month_chart",
    "_percent",
    "_with_format",
    "_with_table",
]
