from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Items"),
        url_name="inventory:item_list",
        roles=BRAND_ROLES,
        order=40,
        group="warranties",
    ),
    NavEntry(
        area="dashboard",
        label=_("Stock by store"),
        url_name="inventory:stock",
        roles=BRAND_ROLES,
        order=41,
        group="warranties",
    ),
    NavEntry(
        area="intranet", label=_("My stock"), url_name="inventory:my_stock", roles=RETAIL_ROLES, order=50
    ),
    NavEntry(
        area="intranet", label=_("Incoming"), url_name="inventory:incoming", roles=RETAIL_ROLES, order=51
    ),
]
