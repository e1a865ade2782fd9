from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignAudiencesConfig(AppConfig):
    name = "campaigns.audiences"
    label = "campaign_audiences"
    verbose_name = _("Ad audiences")

    def ready(self) -> None:
        from campaigns.audiences import (
            customer_data,  # noqa: F401 - registers the GDPR and merge handlers
            labels,
        )

        labels.register()
