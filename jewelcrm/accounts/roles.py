"""The roles a membership grants, and what each may do."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Brand owner")
    ADMIN = "admin", _("Brand admin")
    MARKETER = "marketer", _("Marketer")
    ANALYST = "analyst", _("Analyst (read-only)")
    RETAIL_MANAGER = "retail_manager", _("Retailer manager")
    SALES_ASSOCIATE = "sales_associate", _("Sales associate")


# Brand staff work on the dashboard; retailer staff on the intranet, scoped to one store.
BRAND_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MARKETER, Role.ANALYST})
RETAIL_ROLES = frozenset({Role.RETAIL_MANAGER, Role.SALES_ASSOCIATE})
# Who may change brand master data (stores, catalogue, users).
ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})
# Who may write marketing data (customers, segments, campaigns).
MARKETING_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MARKETER})
READ_ONLY_ROLES = frozenset({Role.ANALYST})
