from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "warranties.portal"
    label = "portal"
    verbose_name = _("Owner portal")

    def ready(self) -> None:
        from warranties.portal import customer_data  # noqa: F401 - registers the GDPR and merge handlers
