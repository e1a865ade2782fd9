from django.urls import path

from jewelcrm.catalog import views

app_name = "catalog"

urlpatterns = [
    path("b/<slug:brand_slug>/catalogue/", views.ProductListView.as_view(), name="product_list"),
    path("b/<slug:brand_slug>/catalogue/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("b/<slug:brand_slug>/catalogue/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path(
        "b/<slug:brand_slug>/catalogue/<int:pk>/edit/",
        views.ProductUpdateView.as_view(),
        name="product_update",
    ),
]
