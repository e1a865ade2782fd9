from django.urls import path

from customers.api import views

# Mounted at /api/v1/<slug:brand_slug>/ ; views derive from jewelcrm.tenancy.views.BrandAPIView.
urlpatterns = [
    path("customers/batch/", views.CustomerBatchView.as_view(), name="api-customers-batch"),
    path("orders/batch/", views.OrderBatchView.as_view(), name="api-orders-batch"),
]
