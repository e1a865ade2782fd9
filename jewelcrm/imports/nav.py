from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import MARKETING_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Imports"),
        url_name="imports:list",
        roles=MARKETING_ROLES,
        order=80,
        group="admin",
    )
]
