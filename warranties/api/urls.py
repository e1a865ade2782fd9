from django.urls import path

from warranties.api import (
    schema,  # noqa: F401  (registers the Api-Key scheme in the OpenAPI schema)
    views,
)

# Mounted at /api/v1/<slug:brand_slug>/ ; views derive from jewelcrm.tenancy.views.BrandAPIView.
urlpatterns = [
    path("registrations/", views.RegistrationListCreateAPIView.as_view(), name="api-registrations"),
    path("registrations/<int:pk>/", views.RegistrationDetailAPIView.as_view(), name="api-registration"),
    path("interventions/", views.InterventionListCreateAPIView.as_view(), name="api-interventions"),
    path("interventions/<int:pk>/", views.InterventionDetailAPIView.as_view(), name="api-intervention"),
    path(
        "interventions/<int:pk>/status/",
        views.InterventionStatusAPIView.as_view(),
        name="api-intervention-status",
    ),
    path("claims/", views.ClaimListCreateAPIView.as_view(), name="api-claims"),
    path("claims/<int:pk>/decision/", views.ClaimDecisionAPIView.as_view(), name="api-claim-decision"),
]
