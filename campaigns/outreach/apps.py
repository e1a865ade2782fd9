from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignOutreachConfig(AppConfig):
    name = "campaigns.outreach"
    label = "campaign_outreach"
    verbose_name = _("Associate outreach")

    def ready(self) -> None:
        from campaigns.outreach import (
            customer_data,  # noqa: F401 - registers the GDPR and merge handlers
            labels,
        )

        labels.register()
