from django.urls import path

from jewelcrm.imports import views

app_name = "imports"

urlpatterns = [
    path("b/<slug:brand_slug>/imports/", views.ImportListView.as_view(), name="list"),
    path("b/<slug:brand_slug>/imports/new/", views.ImportUploadView.as_view(), name="upload"),
    path("b/<slug:brand_slug>/imports/<int:pk>/", views.ImportDetailView.as_view(), name="detail"),
    path("b/<slug:brand_slug>/imports/<int:pk>/mapping/", views.ImportMappingView.as_view(), name="mapping"),
    path("b/<slug:brand_slug>/imports/<int:pk>/preview/", views.ImportPreviewView.as_view(), name="preview"),
    path("b/<slug:brand_slug>/imports/<int:pk>/status/", views.ImportStatusView.as_view(), name="status"),
    path("b/<slug:brand_slug>/imports/<int:pk>/report.csv", views.ImportReportView.as_view(), name="report"),
    path("b/<slug:brand_slug>/imports/<int:pk>/retry/", views.ImportRetryView.as_view(), name="retry"),
    path("b/<slug:brand_slug>/imports/<int:pk>/cancel/", views.ImportCancelView.as_view(), name="cancel"),
]
