from django.urls import path

from campaigns.content import views

app_name = "campaign_content"

urlpatterns = [
    # Public: followed from e-mails, the brand is inside the signed token.
    path("t/c/<str:token>/", views.click, name="click"),
    path("t/o/<str:token>/", views.open_pixel, name="open"),
]
