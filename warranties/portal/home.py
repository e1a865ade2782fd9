"""Key figures of the home pages (see jewelcrm/accounts/home.py)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.home import HomeTile
from warranties.portal.models import ServiceRequest, ServiceRequestStatus


def _service_requests(brand: Any, membership: Any) -> int:
    return ServiceRequest.objects.filter(
        store=membership.store, status=ServiceRequestStatus.REQUESTED
    ).count()


TILES = [
    HomeTile(
        area="intranet",
        label=_("Service requests from owners"),
        count=_service_requests,
        url_name="portal:store_queue",
        order=15,
    ),
]
