"""The nightly rebuild rewrites the weekly sales and the product mix only where they changed, with the same
figures as a full rebuild (the hand-built orders of test_product_mix: week 1 of the period and the week
after it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from customers.models import Order
from jewelcrm.catalog.models import Product
from jewelcrm.retail.models import Store
from jewelcrm.tenancy.context import brand_context
from segmentation.insights.models import MixWeek, SalesWeek
from segmentation.insights.services import insights_refresh, insights_settings_update
from segmentation.insights.tests.conftest import PERIOD, WEEK1
from segmentation.insights.tests.test_product_mix import orders  # noqa: F401 - the fixture

AFTER = PERIOD.end + timedelta(days=1)  # the Monday of the week after the period


def _sales(brand: Any) -> dict[tuple, tuple]:
    rows = SalesWeek.objects.filter(brand=brand).values_list(
        "week", "store_id", "product_id", "channel", "country", "units", "revenue", "pk"
    )
    return {row[:5]: row[5:] for row in rows}


def _mix(brand: Any) -> dict[tuple, tuple]:
    rows = MixWeek.objects.filter(brand=brand).values_list(
        "week", "country", "category", "dimension", "key", "units", "revenue", "pk"
    )
    return {row[:5]: row[5:] for row in rows}


def _figures(rows: dict[tuple, tuple]) -> dict[tuple, tuple]:
    return {key: value[:-1] for key, value in rows.items()}


def _full_rebuild(brand: Any) -> tuple[dict, dict]:
    """What a rebuild from nothing gives."""
    SalesWeek.objects.filter(brand=brand).delete()
    MixWeek.objects.filter(brand=brand).delete()
    refresh = insights_refresh(brand=brand)
    assert refresh.weeks_rewritten is None
    return _figures(_sales(brand)), _figures(_mix(brand))


def _pks(rows: dict[tuple, tuple], week: Any) -> set[int]:
    return {value[-1] for key, value in rows.items() if key[0] == week}


def test_nothing_changed_nothing_written(brand: Any, orders: Any) -> None:  # noqa: F811
    with brand_context(brand):
        sales, mix = _sales(brand), _mix(brand)
        refresh = insights_refresh(brand=brand)
        assert refresh.weeks_rewritten == 0
        assert _sales(brand) == sales
        assert _mix(brand) == mix


def test_a_refund_rewrites_its_week_only(brand: Any, orders: Any) -> None:  # noqa: F811
    with brand_context(brand):
        before_sales, before_mix = _sales(brand), _mix(brand)
        assert {key[0] for key in before_sales} == {WEEK1, AFTER}
        # O1 (S1, 2 x R1 for 1,600 EUR in week 1) is refunded.
        Order.objects.filter(brand=brand, total=1600).update(status="refunded", refunded_amount=1600)
        refresh = insights_refresh(brand=brand)
        assert refresh.weeks_rewritten == 1
        sales, mix = _sales(brand), _mix(brand)
        # The week after the period kept its rows; week 1's were written again, without O1.
        assert _pks(sales, AFTER) == _pks(before_sales, AFTER)
        assert _pks(mix, AFTER) == _pks(before_mix, AFTER)
        assert not _pks(sales, WEEK1) & _pks(before_sales, WEEK1)
        s1 = orders["stores"][0]
        r1 = Product.objects.get(brand=brand, reference="R1")
        assert (WEEK1, s1.pk, r1.pk, "store", "FR") not in sales
        assert (_figures(sales), _figures(mix)) == _full_rebuild(brand)


def test_a_new_order_in_an_old_week_rewrites_that_week(brand: Any, orders: Any) -> None:  # noqa: F811
    from segmentation.insights.tests.test_product_mix import _order

    with brand_context(brand):
        before = _sales(brand)
        r2 = Product.objects.get(brand=brand, reference="R2")
        _order(
            brand,
            store=orders["stores"][1],
            lines=[(r2, 1, "300")],
            day=AFTER + timedelta(days=1),
            total=300,
            total_brand_currency=280,
        )
        refresh = insights_refresh(brand=brand)
        assert refresh.weeks_rewritten == 1
        sales = _sales(brand)
        assert _pks(sales, WEEK1) == _pks(before, WEEK1)
        assert sales[(AFTER, orders["stores"][1].pk, r2.pk, "store", "CH")][:2] == (1, 280)
        assert (_figures(sales), _figures(_mix(brand))) == _full_rebuild(brand)


def test_a_stores_new_country_rewrites_its_weeks(brand: Any, orders: Any) -> None:  # noqa: F811
    with brand_context(brand):
        Store.objects.filter(pk=orders["stores"][0].pk).update(country="BE")
        refresh = insights_refresh(brand=brand)
        assert refresh.weeks_rewritten == 2  # S1 sold in both weeks
        assert {key[4] for key in _sales(brand) if key[1] == orders["stores"][0].pk} == {"BE"}
        assert (_figures(_sales(brand)), _figures(_mix(brand))) == _full_rebuild(brand)


def test_a_products_new_collection_groups_the_whole_mix_again(brand: Any, orders: Any) -> None:  # noqa: F811
    with brand_context(brand):
        sales = _sales(brand)
        Product.objects.filter(brand=brand, reference="R1").update(collection="Aube")
        refresh = insights_refresh(brand=brand)
        assert refresh.weeks_rewritten == 0
        assert _sales(brand) == sales  # the sales per product did not change
        mix = _mix(brand)
        assert {key[4] for key in mix if key[3] == "collection"} == {"Aube", "Lien", "Léman"}
        assert _figures(mix) == _full_rebuild(brand)[1]


def test_new_price_bands_group_the_whole_mix_again(brand: Any, orders: Any) -> None:  # noqa: F811
    with brand_context(brand):
        insights_settings_update(brand=brand, price_band_limits=[1000, 5000])
        refresh = insights_refresh(brand=brand)
        assert refresh.weeks_rewritten == 0
        assert refresh.price_band_limits == [1000, 5000]
        keys = {key[4] for key in _mix(brand) if key[3] == "price_band" and key[0] == AFTER}
        assert keys == {"0"}  # R1 at 800 EUR: under 1,000 now
        assert _figures(_mix(brand)) == _full_rebuild(brand)[1]
