from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, RETAIL_ROLES, Role

NAV = [
    NavEntry(
        area="intranet",
        label=_("Register a sale"),
        url_name="warranties:register",
        roles=RETAIL_ROLES,
        order=10,
    ),
    NavEntry(
        area="intranet", label=_("Recognise"), url_name="warranties:lookup", roles=RETAIL_ROLES, order=20
    ),
    NavEntry(
        area="intranet",
        label=_("Services"),
        url_name="warranties:interventions",
        roles=RETAIL_ROLES,
        order=30,
    ),
    NavEntry(
        area="intranet", label=_("Claims"), url_name="warranties:store_claims", roles=RETAIL_ROLES, order=40
    ),
    NavEntry(
        area="dashboard",
        label=_("Registrations"),
        url_name="warranties:registrations",
        roles=BRAND_ROLES,
        order=30,
        group="warranties",
    ),
    NavEntry(
        area="dashboard",
        label=_("Warranty claims"),
        url_name="warranties:claim_queue",
        roles=ADMIN_ROLES | {Role.ANALYST},
        order=40,
        group="warranties",
    ),
]
