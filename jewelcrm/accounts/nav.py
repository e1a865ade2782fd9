from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.navigation import NavEntry
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, RETAIL_ROLES, Role

NAV = [
    NavEntry(
        area="dashboard", label=_("Overview"), url_name="accounts:dashboard", roles=BRAND_ROLES, order=0
    ),
    NavEntry(area="intranet", label=_("Today"), url_name="accounts:intranet", roles=RETAIL_ROLES, order=0),
    NavEntry(
        area="dashboard",
        label=_("Team"),
        url_name="accounts:team",
        roles=ADMIN_ROLES,
        order=900,
        group="admin",
    ),
    NavEntry(
        area="dashboard",
        label=_("API keys"),
        url_name="accounts:api_keys",
        roles=ADMIN_ROLES,
        order=910,
        group="admin",
    ),
    NavEntry(
        area="dashboard",
        label=_("Audit log"),
        url_name="accounts:audit_log",
        roles=ADMIN_ROLES,
        order=920,
        group="admin",
    ),
    NavEntry(
        area="dashboard",
        label=_("Outgoing e-mails"),
        url_name="accounts:sent_emails",
        roles=ADMIN_ROLES,
        order=930,
        group="admin",
    ),
    NavEntry(
        area="intranet",
        label=_("Team"),
        url_name="accounts:team",
        roles=frozenset({Role.RETAIL_MANAGER}),
        order=900,
    ),
]
