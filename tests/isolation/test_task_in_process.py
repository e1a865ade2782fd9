"""A brand task run in-process (eager Celery, as on the embedded default and in tests) inside another
brand's scope gives that scope back its database setting: the send log's delivery runs this way right
after a service's commit callback."""

from __future__ import annotations

import pytest
from django.db import connection

from jewelcrm.retail.models import Store
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.tasks import brand_task
from tests.factories import StoreFactory

pytestmark = [
    pytest.mark.django_db,
]


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jewelcrm.brand_id', true)")
        return cursor.fetchone()[0]


def test_a_brand_task_run_inside_another_brands_scope_puts_the_setting_back(brand, other_brand):
    StoreFactory(brand=brand, code="A1")
    StoreFactory(brand=other_brand, code="B1")

    @brand_task
    def probe(brand_id: int) -> tuple[str, list[str]]:
        return _setting(), list(Store.unscoped.values_list("code", flat=True))

    with brand_context(brand):
        assert probe(other_brand.pk) == (str(other_brand.pk), ["B1"])
        assert _setting() == str(brand.pk)
        assert list(Store.unscoped.values_list("code", flat=True)) == ["A1"]
