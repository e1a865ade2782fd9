from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import ADMIN_ROLES, MARKETING_ROLES, RETAIL_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Owner portal"),
        url_name="portal:staff_post_list",
        roles=MARKETING_ROLES,
        order=60,
        group="marketing",
    ),
    NavEntry(
        area="dashboard",
        label=_("Lost or stolen"),
        url_name="portal:staff_loss",
        roles=ADMIN_ROLES,
        order=61,
        group="warranties",
    ),
    NavEntry(
        area="intranet",
        label=_("Service requests"),
        url_name="portal:store_queue",
        roles=RETAIL_ROLES,
        order=40,
    ),
    NavEntry(
        area="intranet", label=_("Lost or stolen"), url_name="portal:store_loss", roles=RETAIL_ROLES, order=41
    ),
    NavEntry(
        area="intranet",
        label=_("Ownership transfer"),
        url_name="portal:store_transfer",
        roles=RETAIL_ROLES,
        order=42,
    ),
]
