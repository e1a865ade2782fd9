from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES

NAV = [
    NavEntry(
        area="intranet",
        label=_("Outreach tasks"),
        url_name="campaign_outreach:my_tasks",
        roles=RETAIL_ROLES,
        order=35,
    ),
    NavEntry(
        area="dashboard",
        label=_("Associate outreach"),
        url_name="campaign_outreach:brand_tasks",
        roles=BRAND_ROLES,
        order=47,
        group="marketing",
    ),
]
