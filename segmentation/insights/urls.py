from django.urls import path

from segmentation.insights import views

app_name = "insights"

urlpatterns = [
    path("b/<slug:brand_slug>/insights/overview/", views.OverviewView.as_view(), name="overview"),
    path("b/<slug:brand_slug>/insights/customers/", views.CustomersView.as_view(), name="customers"),
    path("b/<slug:brand_slug>/insights/services/", views.ServicesView.as_view(), name="services"),
    path("b/<slug:brand_slug>/insights/sell-through/", views.SellThroughView.as_view(), name="sell_through"),
    path("b/<slug:brand_slug>/insights/product-mix/", views.ProductMixView.as_view(), name="product_mix"),
    path(
        "b/<slug:brand_slug>/insights/product-mix/price-bands/",
        views.PriceBandsView.as_view(),
        name="price_bands",
    ),
    path("b/<slug:brand_slug>/insights/network/", views.NetworkView.as_view(), name="network"),
    path("b/<slug:brand_slug>/insights/stock/", views.StockView.as_view(), name="stock"),
    path("b/<slug:brand_slug>/insights/stock/transfer/", views.TransferView.as_view(), name="transfer"),
]
