"""The application's wall on writes: a scoped manager refuses to create, bulk-create or update a row that
carries another brand, before the database sees a statement (row-level security is the second wall)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jewelcrm.retail.models import Retailer, Store
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.models import CrossBrandWrite
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(brand, other_brand):
    return StoreFactory(brand=brand, code="MINE"), StoreFactory(brand=other_brand, code="THEIRS")


def _refused_without_sql(write):
    with CaptureQueriesContext(connection) as queries, pytest.raises(CrossBrandWrite):
        write()
    return [q["sql"] for q in queries.captured_queries]


def test_create_with_another_brand_is_refused_before_the_database(brand, other_brand, stores):
    mine, theirs = stores
    with brand_context(brand):
        assert _refused_without_sql(lambda: Retailer.objects.create(brand=other_brand, name="Forged")) == []
        assert _refused_without_sql(lambda: Retailer.objects.create(brand_id=other_brand.pk, name="F")) == []
        # A related row of the other brand: refused too.
        assert (
            _refused_without_sql(
                lambda: Store.objects.create(brand=brand, retailer=theirs.retailer, code="X", name="X")
            )
            == []
        )
        assert _refused_without_sql(lambda: Retailer.objects.get_or_create(brand=other_brand, name="G")) != []
        assert Retailer.objects.create(brand=brand, name="Mine").brand_id == brand.pk
    with brand_context(other_brand):
        assert sorted(Retailer.objects.values_list("name", flat=True)) == [theirs.retailer.name]


def test_bulk_create_and_update_with_another_brand_are_refused(brand, other_brand, stores):
    mine, theirs = stores
    with brand_context(brand):
        rows = [Retailer(brand=brand, name="A"), Retailer(brand=other_brand, name="B")]
        assert _refused_without_sql(lambda: Retailer.objects.bulk_create(rows)) == []
        assert _refused_without_sql(lambda: Store.objects.filter(pk=mine.pk).update(brand=other_brand)) == []
        assert (
            _refused_without_sql(lambda: Store.objects.filter(pk=mine.pk).update(retailer=theirs.retailer))
            == []
        )
        assert Retailer.objects.filter(name__in=["A", "B"]).count() == 0
        assert Store.objects.filter(pk=mine.pk).update(name="Renamed") == 1
    with brand_context(other_brand):
        assert Store.objects.get(pk=theirs.pk).name == theirs.name
