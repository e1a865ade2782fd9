from django.urls import path  # noqa: F401

app_name = "customer360"

# The customer list and the customer 360 page combine customers and warranties, so they live in the
# lowest app that can read both (warranties), as this package.
urlpatterns: list = []
