"""Key figures of the home pages (see jewelcrm/accounts/home.py)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.home import HomeTile
from jewelcrm.accounts.roles import BRAND_ROLES
from warranties.inventory.models import Item, ItemStatus, StockMovement


def _in_stores(brand: Any, membership: Any) -> int:
    return Item.objects.filter(status=ItemStatus.IN_STOCK, current_store__isnull=False).count()


def _to_receive(brand: Any, membership: Any) -> int:
    return StockMovement.objects.filter(to_store=membership.store, received_at__isnull=True).count()


def _my_stock(brand: Any, membership: Any) -> int:
    return Item.objects.filter(current_store=membership.store, status=ItemStatus.IN_STOCK).count()


TILES = [
    HomeTile(
        area="dashboard",
        label=_("Pieces in stores"),
        count=_in_stores,
        url_name="inventory:stock",
        roles=BRAND_ROLES,
        order=40,
    ),
    HomeTile(
        area="intranet",
        label=_("Pieces to receive"),
        count=_to_receive,
        url_name="inventory:incoming",
        order=5,
    ),
    HomeTile(
        area="intranet",
        label=_("Pieces in my stock"),
        count=_my_stock,
        url_name="inventory:my_stock",
        order=30,
    ),
]
