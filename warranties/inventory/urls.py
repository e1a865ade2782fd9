from django.urls import path

from warranties.inventory import views

app_name = "inventory"

urlpatterns = [
    path("b/<slug:brand_slug>/items/", views.ItemListView.as_view(), name="item_list"),
    path("b/<slug:brand_slug>/items/ship/", views.ShipView.as_view(), name="ship"),
    path("b/<slug:brand_slug>/items/<int:pk>/", views.ItemDetailView.as_view(), name="item_detail"),
    path("b/<slug:brand_slug>/stock/", views.StockView.as_view(), name="stock"),
    path("b/<slug:brand_slug>/intranet/stock/", views.MyStockView.as_view(), name="my_stock"),
    path("b/<slug:brand_slug>/intranet/incoming/", views.IncomingView.as_view(), name="incoming"),
    path(
        "b/<slug:brand_slug>/intranet/incoming/<int:pk>/confirm/",
        views.ConfirmReceiptView.as_view(),
        name="confirm_receipt",
    ),
    path(
        "b/<slug:brand_slug>/intranet/incoming/scan/",
        views.ConfirmScannedView.as_view(),
        name="confirm_scanned",
    ),
    path(
        "b/<slug:brand_slug>/intranet/incoming/confirm-all/",
        views.ConfirmAllView.as_view(),
        name="confirm_all",
    ),
    path("b/<slug:brand_slug>/intranet/transfer/", views.TransferRequestView.as_view(), name="transfer"),
]
