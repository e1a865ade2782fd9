from django.urls import path

from segmentation import views

app_name = "segmentation"

urlpatterns = [
    path("b/<slug:brand_slug>/segments/", views.OverviewView.as_view(), name="overview"),
    path("b/<slug:brand_slug>/segments/run/", views.RunStartView.as_view(), name="run_start"),
    path("b/<slug:brand_slug>/segments/runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("b/<slug:brand_slug>/segments/rules/", views.RulesView.as_view(), name="rules"),
    path("b/<slug:brand_slug>/segments/new/", views.SegmentBuilderView.as_view(), name="segment_create"),
    path("b/<slug:brand_slug>/segments/count/", views.SegmentCountView.as_view(), name="segment_count"),
    path("b/<slug:brand_slug>/segments/<int:pk>/", views.SegmentDetailView.as_view(), name="segment_detail"),
    path(
        "b/<slug:brand_slug>/segments/<int:pk>/edit/", views.SegmentBuilderView.as_view(), name="segment_edit"
    ),
    path(
        "b/<slug:brand_slug>/segments/<int:pk>/refresh/",
        views.SegmentRefreshView.as_view(),
        name="segment_refresh",
    ),
    path("b/<slug:brand_slug>/segments/export.csv", views.ScoresExportView.as_view(), name="export"),
]
