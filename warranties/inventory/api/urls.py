from django.urls import path

from warranties.inventory.api import views

# Mounted at /api/v1/<slug:brand_slug>/ ; views derive from jewelcrm.tenancy.views.BrandAPIView.
urlpatterns = [
    path("items/", views.ItemListAPI.as_view(), name="api-items"),
    path("items/<str:serial>/", views.ItemDetailAPI.as_view(), name="api-item"),
]
