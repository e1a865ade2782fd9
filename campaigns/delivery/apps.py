from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignDeliveryConfig(AppConfig):
    name = "campaigns.delivery"
    label = "campaign_delivery"
    verbose_name = _("Campaign delivery")
