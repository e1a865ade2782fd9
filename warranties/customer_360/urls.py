from django.urls import path

from warranties.customer_360 import views

app_name = "customer360"

# The customer list and the customer 360 page combine customers and warranties, so they live in the
# lowest app that can read both (warranties), as this sub-app (label customer_360).
urlpatterns = [
    path("b/<slug:brand_slug>/customers/", views.CustomerListView.as_view(), name="list"),
    path("b/<slug:brand_slug>/customers/export.csv", views.CustomerExportView.as_view(), name="export"),
    path("b/<slug:brand_slug>/customers/<int:pk>/", views.Customer360View.as_view(), name="detail"),
]
