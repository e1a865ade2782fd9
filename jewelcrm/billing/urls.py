from django.urls import path

from jewelcrm.billing import views

app_name = "billing"

urlpatterns = [
    path("b/<slug:brand_slug>/billing/", views.PlanView.as_view(), name="plan"),
    path("b/<slug:brand_slug>/billing/checkout/", views.CheckoutView.as_view(), name="checkout"),
    path("b/<slug:brand_slug>/billing/portal/", views.PortalView.as_view(), name="portal"),
    path("b/<slug:brand_slug>/billing/return/", views.ReturnView.as_view(), name="returned"),
    path("billing/stripe/webhook/", views.StripeWebhookView.as_view(), name="stripe_webhook"),
    path("platform/billing/", views.PlatformBillingView.as_view(), name="platform"),
]
