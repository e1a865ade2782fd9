from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignDeliveryConfig(AppConfig):
    name = "campaigns.delivery"
    label = "campaign_delivery"
    verbose_name = _("Campaign delivery")

    def ready(self) -> None:
        from campaigns.delivery import customer_data, webhooks  # noqa: F401 - customer_data registers
        from campaigns.delivery.policy import SuppressionPolicy
        from jewelcrm.messaging.registry import marketing_policy_register
        from warranties.portal.links import PortalLink, portal_link_register

        # Marketing kinds of the send log: suppression checked at send time, unsubscribe headers added.
        marketing_policy_register(SuppressionPolicy())
        # The e-mail provider's tracking events (django-anymail's signal): delivered, bounced, complained.
        webhooks.connect()
        # The owner's e-mail preferences, linked from the owner portal's navigation.
        portal_link_register(
            PortalLink(label=_("E-mail preferences"), url_name="campaign_delivery:preferences", order=30)
        )
