from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("E-mail templates"),
        url_name="campaign_content:template_list",
        roles=BRAND_ROLES,
        order=33,
        group="marketing",
    ),
]
