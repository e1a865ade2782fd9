from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Network"),
        url_name="retail:store_list",
        roles=BRAND_ROLES,
        order=71,
        group="warranties",
    ),
]
