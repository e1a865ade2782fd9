from django.urls import path  # noqa: F401

app_name = "catalog"

# Pages of this app mount under "b/<slug:brand_slug>/..." (brand staff and retailer staff).
urlpatterns: list = []
