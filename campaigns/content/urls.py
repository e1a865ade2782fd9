from django.urls import path

from campaigns.content import views

app_name = "campaign_content"

urlpatterns = [
    path("b/<slug:brand_slug>/campaigns/templates/", views.TemplateListView.as_view(), name="template_list"),
    path(
        "b/<slug:brand_slug>/campaigns/templates/new/",
        views.TemplateEditView.as_view(),
        name="template_create",
    ),
    path(
        "b/<slug:brand_slug>/campaigns/templates/<int:pk>/",
        views.TemplateEditView.as_view(),
        name="template_edit",
    ),
    path(
        "b/<slug:brand_slug>/campaigns/templates/preview/",
        views.TemplatePreviewView.as_view(),
        name="template_preview",
    ),
    path(
        "b/<slug:brand_slug>/campaigns/templates/preview/document/",
        views.TemplatePreviewDocumentView.as_view(),
        name="template_preview_document",
    ),
    # Public: followed from e-mails, the brand is inside the signed token.
    path("t/c/<str:token>/<str:link>/", views.click, name="click"),
    path("t/o/<str:token>/", views.open_pixel, name="open"),
]
