from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES

NAV = [
    NavEntry(area="dashboard", label=_("Overview"), url_name="accounts:dashboard", roles=BRAND_ROLES, order=0),
    NavEntry(area="intranet", label=_("Today"), url_name="accounts:intranet", roles=RETAIL_ROLES, order=0),
]
