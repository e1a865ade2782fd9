from django.contrib.auth import views as auth_views
from django.urls import path

from jewelcrm.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/invitations/", views.InvitationsView.as_view(), name="invitations"),
    path("home/", views.HomeView.as_view(), name="home"),
    path("b/<slug:brand_slug>/", views.DashboardView.as_view(), name="dashboard"),
    path("b/<slug:brand_slug>/intranet/", views.IntranetView.as_view(), name="intranet"),
    path("b/<slug:brand_slug>/team/", views.TeamListView.as_view(), name="team"),
    path("b/<slug:brand_slug>/team/invite/", views.TeamInviteView.as_view(), name="team_invite"),
    path(
        "b/<slug:brand_slug>/team/<int:pk>/deactivate/",
        views.TeamDeactivateView.as_view(),
        name="team_deactivate",
    ),
    path("b/<slug:brand_slug>/settings/api-keys/", views.APIKeyListView.as_view(), name="api_keys"),
    path("b/<slug:brand_slug>/settings/audit-log/", views.AuditLogView.as_view(), name="audit_log"),
    path("b/<slug:brand_slug>/settings/emails/", views.SentEmailListView.as_view(), name="sent_emails"),
    path(
        "b/<slug:brand_slug>/settings/emails/<int:pk>/retry/",
        views.SentEmailRetryView.as_view(),
        name="sent_email_retry",
    ),
    path(
        "b/<slug:brand_slug>/settings/api-keys/<int:pk>/revoke/",
        views.APIKeyRevokeView.as_view(),
        name="api_key_revoke",
    ),
]
