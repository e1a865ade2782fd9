from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from campaigns import (
            customer_data,  # noqa: F401 - registers the GDPR and merge handlers
            labels,
        )

        labels.register()
