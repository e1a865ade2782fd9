from django.urls import path

from jewelcrm.retail import views

app_name = "retail"

urlpatterns = [
    path("b/<slug:brand_slug>/network/", views.StoreListView.as_view(), name="store_list"),
    path("b/<slug:brand_slug>/network/stores/new/", views.StoreCreateView.as_view(), name="store_create"),
    path(
        "b/<slug:brand_slug>/network/stores/<int:pk>/edit/",
        views.StoreUpdateView.as_view(),
        name="store_update",
    ),
    path(
        "b/<slug:brand_slug>/network/retailers/new/",
        views.RetailerCreateView.as_view(),
        name="retailer_create",
    ),
]
