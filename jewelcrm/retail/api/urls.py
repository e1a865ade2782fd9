from django.urls import path  # noqa: F401

# Mounted at /api/v1/<slug:brand_slug>/ ; views derive from jewelcrm.tenancy.views.BrandAPIView.
urlpatterns: list = []
