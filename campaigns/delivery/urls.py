from django.urls import path

from campaigns.delivery import views, webhooks

app_name = "campaign_delivery"

urlpatterns = [
    # RFC 8058 one-click unsubscribe: the link of every marketing e-mail (public, no login, CSRF-exempt).
    path("u/<str:token>", views.UnsubscribeView.as_view(), name="unsubscribe"),
    # The owner's e-mail preferences, in the owner portal's address space and session.
    path("portal/<slug:brand_slug>/preferences/", views.PreferencesView.as_view(), name="preferences"),
    # The suppression list (dashboard, owners and admins).
    path(
        "b/<slug:brand_slug>/settings/suppressions/", views.SuppressionListView.as_view(), name="suppressions"
    ),
    path(
        "b/<slug:brand_slug>/settings/suppressions/<int:pk>/remove/",
        views.SuppressionRemoveView.as_view(),
        name="suppression_remove",
    ),
    # The e-mail provider's tracking webhook (django-anymail, Mailgun): signed, CSRF-exempt.
    path("webhooks/mailgun/tracking/", webhooks.mailgun_tracking, name="mailgun_tracking"),
    # The List-Unsubscribe mailto, routed by Mailgun to us (when UNSUBSCRIBE_MAILTO is set): signed too.
    path("webhooks/mailgun/inbound/", webhooks.mailgun_inbound, name="mailgun_inbound"),
]
