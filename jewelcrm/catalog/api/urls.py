from django.urls import path

from jewelcrm.catalog.api import views

# Mounted at /api/v1/<slug:brand_slug>/ ; views derive from jewelcrm.tenancy.views.BrandAPIView.
urlpatterns = [
    path("products/", views.ProductListAPI.as_view(), name="api-products"),
    path("products/<int:pk>/", views.ProductDetailAPI.as_view(), name="api-product"),
]
