"""Labels of the campaigns engine's audit actions, registered at start (CampaignsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from jewelcrm import labels

AUDIT_ACTION_LABELS = {
    "campaigns.settings_updated": _("Campaign settings changed"),
    "campaigns.journey_updated": _("Journey changed"),
    "campaigns.campaign_created": _("Campaign created"),
    "campaigns.campaign_updated": _("Campaign edited"),
    "campaigns.campaign_scheduled": _("Campaign scheduled"),
    "campaigns.campaign_approved": _("Campaign approved"),
    "campaigns.campaign_cancelled": _("Campaign cancelled"),
    "campaigns.campaign_test_sent": _("Campaign test e-mail sent"),
}


def register() -> None:
    labels.register("audit_action", AUDIT_ACTION_LABELS)
