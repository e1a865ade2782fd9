from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jewelcrm import media, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:home", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    # Uploaded files: only through signed, brand-checked addresses (jewelcrm.media), in every setting.
    path("media/<str:token>", media.media_file, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("jewelcrm.accounts.urls")),
    path("", include("jewelcrm.retail.urls")),
    path("", include("jewelcrm.catalog.urls")),
    path("", include("jewelcrm.imports.urls")),
    path("", include("jewelcrm.billing.urls")),
    path("", include("customers.urls")),
    path("", include("warranties.inventory.urls")),
    path("", include("warranties.urls")),
    path("", include("warranties.portal.urls")),
    path("", include("warranties.customer_360.urls")),
    path("", include("segmentation.urls")),
    path("", include("segmentation.insights.urls")),
    path("", include("campaigns.content.urls")),
    path("", include("campaigns.urls")),
    path("", include("campaigns.delivery.urls")),
    path("", include("campaigns.outreach.urls")),
    path("", include("campaigns.audiences.urls")),
    # The brand API: /api/v1/<brand slug>/..., authenticated by the brand's API key or the session.
    path("api/v1/<slug:brand_slug>/", include("jewelcrm.accounts.api.urls")),
    path("api/v1/<slug:brand_slug>/", include("jewelcrm.retail.api.urls")),
    path("api/v1/<slug:brand_slug>/", include("jewelcrm.catalog.api.urls")),
    path("api/v1/<slug:brand_slug>/", include("warranties.inventory.api.urls")),
    path("api/v1/<slug:brand_slug>/", include("warranties.api.urls")),
    path("api/v1/<slug:brand_slug>/", include("customers.api.urls")),
]

handler400 = "jewelcrm.views.error_400"
handler403 = "jewelcrm.views.error_403"
handler404 = "jewelcrm.views.error_404"
handler500 = "jewelcrm.views.error_500"
