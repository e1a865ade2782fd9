"""Usage the plan's limits count (see jewelcrm/billing/usage.py): sales registered in the period."""

from datetime import datetime
from typing import Any

from jewelcrm.billing.usage import Meter
from warranties.models import Registration, RegistrationKind


def _registrations(brand: Any, start: datetime, end: datetime) -> int:
    return Registration.objects.filter(
        kind=RegistrationKind.SALE, registered_at__gte=start, registered_at__lt=end
    ).count()


METERS = [Meter(limit="registrations", count=_registrations)]
