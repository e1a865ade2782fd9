from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignContentConfig(AppConfig):
    name = "campaigns.content"
    label = "campaign_content"
    verbose_name = _("Campaign e-mail templates")
