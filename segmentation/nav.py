from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Segments and scores"),
        url_name="segmentation:overview",
        roles=BRAND_ROLES,
        order=25,
        group="customers",
    ),
]
