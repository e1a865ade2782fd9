"""Usage the plan's limits count (see jewelcrm/billing/usage.py): the brand's customers."""

from datetime import datetime
from typing import Any

from customers.models import Customer
from jewelcrm.billing.usage import Meter


def _customers(brand: Any, start: datetime, end: datetime) -> int:
    return Customer.objects.filter(merged_into__isnull=True).count()


METERS = [Meter(limit="customers", count=_customers)]
