from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Customers"),
        url_name="customer360:list",
        roles=BRAND_ROLES,
        order=20,
        group="customers",
    ),
    NavEntry(
        area="dashboard",
        label=_("Duplicates"),
        url_name="customers:duplicates",
        roles=BRAND_ROLES,
        order=21,
        group="customers",
    ),
    NavEntry(
        area="intranet",
        label=_("Client book"),
        url_name="customers:client_book",
        roles=RETAIL_ROLES,
        order=20,
    ),
]
