from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import MARKETING_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Ad audiences"),
        url_name="campaign_audiences:list",
        roles=MARKETING_ROLES,
        order=48,
        group="marketing",
    ),
]
