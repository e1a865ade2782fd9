from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES

# The "Campaigns" group of the dashboard menu: journeys first, then one-off campaigns.
NAV = [
    NavEntry(
        area="dashboard",
        label=_("Campaigns: journeys"),
        url_name="campaigns:journeys",
        roles=BRAND_ROLES,
        order=27,
        group="marketing",
    ),
    NavEntry(
        area="dashboard",
        label=_("Campaigns: one-off"),
        url_name="campaigns:list",
        roles=BRAND_ROLES,
        order=28,
        group="marketing",
    ),
]
