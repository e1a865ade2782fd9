from django.urls import path

from campaigns import views

app_name = "campaigns"

P = "b/<slug:brand_slug>/campaigns/"

urlpatterns = [
    path(P + "journeys/", views.JourneyListView.as_view(), name="journeys"),
    path(P + "journeys/<int:pk>/", views.JourneyEditView.as_view(), name="journey_edit"),
    path(
        P + "journeys/<int:pk>/preview/",
        views.JourneyPreviewDocumentView.as_view(),
        name="journey_preview_document",
    ),
    path(P + "journeys/<int:pk>/log/", views.JourneyLogView.as_view(), name="journey_log"),
    path(P + "journeys/<int:pk>/results/", views.JourneyResultsView.as_view(), name="journey_results"),
    path(P + "settings/", views.SettingsView.as_view(), name="settings"),
    path(P, views.CampaignListView.as_view(), name="list"),
    path(P + "new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path(P + "<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path(P + "<int:pk>/edit/", views.CampaignEditView.as_view(), name="campaign_edit"),
    path(P + "<int:pk>/schedule/", views.CampaignScheduleView.as_view(), name="campaign_schedule"),
    path(P + "<int:pk>/approve/", views.CampaignApproveView.as_view(), name="campaign_approve"),
    path(P + "<int:pk>/cancel/", views.CampaignCancelView.as_view(), name="campaign_cancel"),
    path(P + "<int:pk>/test/", views.CampaignTestSendView.as_view(), name="campaign_test"),
    path(
        P + "<int:pk>/preview/", views.CampaignPreviewDocumentView.as_view(), name="campaign_preview_document"
    ),
    path(P + "<int:pk>/log/", views.CampaignLogView.as_view(), name="campaign_log"),
    path(P + "<int:pk>/results/", views.CampaignResultsView.as_view(), name="campaign_results"),
]
