from django.urls import path

from campaigns.audiences import views

app_name = "campaign_audiences"

urlpatterns = [
    path("b/<slug:brand_slug>/audiences/", views.AudienceListView.as_view(), name="list"),
    path("b/<slug:brand_slug>/audiences/<int:pk>/", views.AudienceDetailView.as_view(), name="detail"),
    path(
        "b/<slug:brand_slug>/audiences/<int:pk>/download/",
        views.AudienceDownloadView.as_view(),
        name="download",
    ),
    path("b/<slug:brand_slug>/audiences/<int:pk>/upload/", views.AudienceUploadView.as_view(), name="upload"),
]
