from django.urls import path

from jewelcrm.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.auth_views.LogoutView.as_view(), name="logout"),
    path("home/", views.HomeView.as_view(), name="home"),
    path("b/<slug:brand_slug>/", views.DashboardView.as_view(), name="dashboard"),
    path("b/<slug:brand_slug>/intranet/", views.IntranetView.as_view(), name="intranet"),
]
