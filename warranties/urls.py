from django.urls import path

from warranties import dashboard, views

app_name = "warranties"

# Pages of this app mount under "b/<slug:brand_slug>/..." (brand staff and retailer staff).
urlpatterns = [
    # Intranet (retailer staff, their store)
    path("b/<slug:brand_slug>/intranet/sales/new/", views.RegistrationCreateView.as_view(), name="register"),
    path(
        "b/<slug:brand_slug>/intranet/sales/item-lookup/",
        views.ItemLookupPartialView.as_view(),
        name="item_lookup",
    ),
    path(
        "b/<slug:brand_slug>/intranet/sales/customer-lookup/",
        views.CustomerLookupPartialView.as_view(),
        name="customer_lookup",
    ),
    path("b/<slug:brand_slug>/warranty-cards/<int:pk>/", views.RegistrationCardView.as_view(), name="card"),
    path(
        "b/<slug:brand_slug>/warranty-cards/<int:pk>/pdf/",
        views.RegistrationCardPDFView.as_view(),
        name="card_pdf",
    ),
    path("b/<slug:brand_slug>/intranet/lookup/", views.LookupView.as_view(), name="lookup"),
    path(
        "b/<slug:brand_slug>/intranet/interventions/",
        views.InterventionListView.as_view(),
        name="interventions",
    ),
    path(
        "b/<slug:brand_slug>/intranet/interventions/new/",
        views.InterventionCreateView.as_view(),
        name="intervention_create",
    ),
    path(
        "b/<slug:brand_slug>/intranet/interventions/<int:pk>/",
        views.InterventionDetailView.as_view(),
        name="intervention_detail",
    ),
    path("b/<slug:brand_slug>/intranet/claims/", views.StoreClaimListView.as_view(), name="store_claims"),
    # Dashboard (brand staff)
    path(
        "b/<slug:brand_slug>/registrations/", dashboard.RegistrationListView.as_view(), name="registrations"
    ),
    path(
        "b/<slug:brand_slug>/registrations/grey-market/",
        dashboard.GreyMarketListView.as_view(),
        name="grey_market",
    ),
    path("b/<slug:brand_slug>/claims/", dashboard.ClaimQueueView.as_view(), name="claim_queue"),
    path("b/<slug:brand_slug>/claims/<int:pk>/", dashboard.ClaimDetailView.as_view(), name="claim_detail"),
    path("b/<slug:brand_slug>/claims/payouts/", dashboard.PayoutStatementView.as_view(), name="payouts"),
]
