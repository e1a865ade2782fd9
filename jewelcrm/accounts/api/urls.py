from django.urls import path

from jewelcrm.accounts.api import views

app_name = "accounts-api"

urlpatterns = [path("whoami/", views.WhoAmIView.as_view(), name="whoami")]
