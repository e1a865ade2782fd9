from django.urls import path

from campaigns.outreach import views

app_name = "campaign_outreach"

urlpatterns = [
    path("b/<slug:brand_slug>/intranet/outreach/", views.MyTasksView.as_view(), name="my_tasks"),
    path(
        "b/<slug:brand_slug>/intranet/outreach/<int:pk>/done/", views.TaskDoneView.as_view(), name="task_done"
    ),
    path("b/<slug:brand_slug>/outreach/", views.BrandTasksView.as_view(), name="brand_tasks"),
]
