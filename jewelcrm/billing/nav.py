from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import ADMIN_ROLES

NAV = [
    NavEntry(
        area="dashboard",
        label=_("Plan and billing"),
        url_name="billing:plan",
        roles=ADMIN_ROLES,
        order=930,
        group="admin",
    ),
]
