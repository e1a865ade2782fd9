from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import BRAND_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Customers and revenue"),
        url_name="insights:overview",
        roles=BRAND_ROLES,
        order=72,
        group="insights",
    ),
    NavEntry(
        area="dashboard",
        label=_("Customer insights"),
        url_name="insights:customers",
        roles=BRAND_ROLES,
        order=73,
        group="insights",
    ),
    NavEntry(
        area="dashboard",
        label=_("Product mix"),
        url_name="insights:product_mix",
        roles=BRAND_ROLES,
        order=74,
        group="insights",
    ),
    NavEntry(
        area="dashboard",
        label=_("Sell-through"),
        url_name="insights:sell_through",
        roles=BRAND_ROLES,
        order=75,
        group="insights",
    ),
    NavEntry(
        area="dashboard",
        label=_("Registration rate"),
        url_name="insights:network",
        roles=BRAND_ROLES,
        order=76,
        group="insights",
    ),
    NavEntry(
        area="dashboard",
        label=_("Stock ageing"),
        url_name="insights:stock",
        roles=BRAND_ROLES,
        order=77,
        group="insights",
    ),
    NavEntry(
        area="dashboard",
        label=_("Services and claims"),
        url_name="insights:services",
        roles=BRAND_ROLES,
        order=78,
        group="insights",
    ),
]
