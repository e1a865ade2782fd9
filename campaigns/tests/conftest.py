from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from customers.tests.factories import ConsentFactory, CustomerFactory


@pytest.fixture
def consenting():
    """consenting(brand, **fields) -> a customer with a confirmed e-mail marketing consent."""

    def make(brand: Any, **fields: Any) -> Any:
        customer = CustomerFactory(brand=brand, **fields)
        ConsentFactory(brand=brand, customer=customer)
        return customer

    return make


def local_day(year: int, month: int, day: int) -> date:
    return date(year, month, day)
