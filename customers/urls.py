from django.urls import path

from customers import views

app_name = "customers"

# Pages of this app mount under "b/<slug:brand_slug>/..." (brand staff and retailer staff).
# The customer list and 360 page are customer360:list and customer360:detail (warranties.customer_360).
urlpatterns = [
    path("b/<slug:brand_slug>/customers/new/", views.CustomerCreateView.as_view(), name="create"),
    path("b/<slug:brand_slug>/customers/duplicates/", views.DuplicateListView.as_view(), name="duplicates"),
    path(
        "b/<slug:brand_slug>/customers/duplicates/<int:first>/<int:second>/",
        views.MergeView.as_view(),
        name="merge",
    ),
    path("b/<slug:brand_slug>/customers/<int:pk>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path(
        "b/<slug:brand_slug>/customers/<int:pk>/relations/new/",
        views.RelationEditView.as_view(),
        name="relation_create",
    ),
    path(
        "b/<slug:brand_slug>/customers/<int:pk>/relations/<int:relation_id>/",
        views.RelationEditView.as_view(),
        name="relation_edit",
    ),
    path(
        "b/<slug:brand_slug>/customers/<int:pk>/relations/<int:relation_id>/delete/",
        views.RelationDeleteView.as_view(),
        name="relation_delete",
    ),
    path("b/<slug:brand_slug>/customers/<int:pk>/consents/", views.ConsentView.as_view(), name="consents"),
    path("b/<slug:brand_slug>/customers/<int:pk>/gdpr/", views.GdprView.as_view(), name="gdpr"),
    path("b/<slug:brand_slug>/customers/<int:pk>/erase/", views.EraseView.as_view(), name="erase"),
    path("b/<slug:brand_slug>/intranet/client-book/", views.ClientBookView.as_view(), name="client_book"),
    path(
        "b/<slug:brand_slug>/intranet/client-book/<int:pk>/contacted/",
        views.MarkContactedView.as_view(),
        name="mark_contacted",
    ),
]
