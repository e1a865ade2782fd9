from django.urls import path

from jewelcrm.retail.api import views

# Mounted at /api/v1/<slug:brand_slug>/ ; views derive from jewelcrm.tenancy.views.BrandAPIView.
urlpatterns = [
    path("stores/", views.StoreListAPI.as_view(), name="api-stores"),
    path("stores/<int:pk>/", views.StoreDetailAPI.as_view(), name="api-store"),
]
