"""Key figures of the home pages (see jewelcrm/accounts/home.py)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.home import HomeTile
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES
from warranties.models import (
    ClaimStatus,
    Intervention,
    InterventionStatus,
    Registration,
    RegistrationKind,
    WarrantyClaim,
)


def _sales_30_days(brand: Any, membership: Any) -> int:
    since = timezone.now() - timedelta(days=30)
    return Registration.objects.filter(kind=RegistrationKind.SALE, registered_at__gte=since).count()


def _claims_to_decide(brand: Any, membership: Any) -> int:
    return WarrantyClaim.objects.filter(status=ClaimStatus.SUBMITTED).count()


def _grey_market_90_days(brand: Any, membership: Any) -> int:
    since = timezone.now() - timedelta(days=90)
    return Registration.objects.filter(is_grey_market=True, registered_at__gte=since).count()


def _store_sales_this_month(brand: Any, membership: Any) -> int:
    start = timezone.localdate().replace(day=1)
    return Registration.objects.filter(
        store=membership.store, kind=RegistrationKind.SALE, sold_on__gte=start
    ).count()


def _store_open_interventions(brand: Any, membership: Any) -> int:
    return (
        Intervention.objects.filter(store=membership.store)
        .exclude(status=InterventionStatus.RETURNED)
        .count()
    )


TILES = [
    HomeTile(
        area="dashboard",
        label=_("Warranties registered, 30 days"),
        count=_sales_30_days,
        url_name="warranties:registrations",
        roles=BRAND_ROLES,
        order=10,
    ),
    HomeTile(
        area="dashboard",
        label=_("Claims to decide"),
        count=_claims_to_decide,
        url_name="warranties:claim_queue",
        roles=ADMIN_ROLES,
        order=20,
    ),
    HomeTile(
        area="dashboard",
        label=_("Grey-market sales, 90 days"),
        count=_grey_market_90_days,
        url_name="warranties:grey_market",
        roles=BRAND_ROLES,
        order=30,
    ),
    HomeTile(area="intranet", label=_("Sales this month"), count=_store_sales_this_month, order=10),
    HomeTile(
        area="intranet",
        label=_("Pieces in the workshop"),
        count=_store_open_interventions,
        url_name="warranties:interventions",
        order=20,
    ),
]
