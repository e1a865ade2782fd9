"""Key figures of the home pages (see jewelcrm/accounts/home.py)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors import with_active_consent
from jewelcrm.accounts.home import HomeTile
from jewelcrm.accounts.roles import BRAND_ROLES


def _customers(brand: Any, membership: Any) -> int:
    return Customer.objects.filter(merged_into__isnull=True, is_pseudonymised=False).count()


def _new_customers(brand: Any, membership: Any) -> int:
    since = timezone.now() - timedelta(days=30)
    return Customer.objects.filter(merged_into__isnull=True, created_at__gte=since).count()


def _reachable_by_email(brand: Any, membership: Any) -> int:
    return with_active_consent(Customer.objects.filter(merged_into__isnull=True), channel="email").count()


# Counting a million customers (and their latest consents) on every visit is not needed: these are kept
# figures, counted again when a page finds them older than ten minutes, and hourly (jewelcrm.accounts.home).
FIGURE_SECONDS = 600

TILES = [
    HomeTile(
        area="dashboard",
        label=_("Customers"),
        count=_customers,
        url_name="customer360:list",
        roles=BRAND_ROLES,
        order=1,
        cache_seconds=FIGURE_SECONDS,
    ),
    HomeTile(
        area="dashboard",
        label=_("New customers, 30 days"),
        count=_new_customers,
        roles=BRAND_ROLES,
        order=2,
        cache_seconds=FIGURE_SECONDS,
    ),
    HomeTile(
        area="dashboard",
        label=_("Reachable by e-mail (confirmed opt-in)"),
        count=_reachable_by_email,
        roles=BRAND_ROLES,
        order=3,
        cache_seconds=FIGURE_SECONDS,
    ),
]
