from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import ADMIN_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Suppressed addresses"),
        url_name="campaign_delivery:suppressions",
        roles=ADMIN_ROLES,
        order=935,
        group="admin",
    ),
]
