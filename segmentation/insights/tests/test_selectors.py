from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from jewelcrm.tenancy.context import brand_context
from segmentation.insights import selectors
from segmentation.insights.services import insights_refresh
from segmentation.insights.tests.conftest import PERIOD

ALL = selectors.Scope()


def _refreshed(brand: Any) -> None:
    with brand_context(brand):
        insights_refresh(brand=brand)


def test_sell_through_benchmark_and_candidates_to_phase_out(brand: Any, history: Any) -> None:
    _refreshed(brand)
    with brand_context(brand):
        rows = {
            r.product.reference: r
            for r in selectors.sell_through_by_product(brand=brand, period=PERIOD, scope=ALL)
        }
    figures = {
        ref: (r.received, r.sold, r.rate, r.benchmark, r.weeks_under, r.is_candidate)
        for ref, r in rows.items()
    }
    # Cumulative ring sell-through at the end of weeks 1-4: A .2 .4 .6 .8; B .1 .2 .2 .2; C .3 .4 .4 .4;
    # medians .2 .4 .4 .4: B is below in all four weeks, C never below (equal is not below).
    assert figures == {
        "A": (10, 8, Decimal("0.8000"), Decimal("0.4000"), 0, False),
        "B": (10, 2, Decimal("0.2000"), Decimal("0.4000"), 4, True),
        "C": (10, 4, Decimal("0.4000"), Decimal("0.4000"), 0, False),
        "W": (4, 2, Decimal("0.5000"), Decimal("0.5000"), 0, False),
    }
    assert next(iter(rows)) == "B"  # candidates first


def test_a_product_below_for_fewer_weeks_than_asked_is_not_a_candidate(brand: Any, history: Any) -> None:
    _refreshed(brand)
    with brand_context(brand):
        rows = selectors.sell_through_by_product(brand=brand, period=PERIOD, scope=ALL, weeks_in_a_row=5)
    # Five weeks asked of a four-week period: nobody can be flagged.
    assert [r.is_candidate for r in rows] == [False, False, False, False]


def test_store_figures_count_each_piece_sold_once_and_the_registration_rate(brand: Any, history: Any) -> None:
    _refreshed(brand)
    with brand_context(brand):
        rows = selectors.store_figures(brand=brand, period=PERIOD, scope=ALL)
    got = {
        r.store.code: (r.received, r.sold, r.registered, r.grey_market, r.rate, r.registration_rate)
        for r in rows
    }
    assert got == {
        "S1": (20, 10, 10, 0, Decimal("0.5000"), Decimal("1.0000")),
        "S2": (10, 4, 3, 0, Decimal("0.4000"), Decimal("0.7500")),
        "S3": (4, 2, 2, 1, Decimal("0.5000"), Decimal("1.0000")),
    }


def test_filters_by_country_store_and_category(brand: Any, history: Any) -> None:
    _refreshed(brand)
    s1, s2, s3 = history["stores"]
    with brand_context(brand):
        swiss = selectors.store_figures(brand=brand, period=PERIOD, scope=selectors.Scope(country="CH"))
        lyon = selectors.sell_through_by_product(
            brand=brand, period=PERIOD, scope=selectors.Scope(store_id=s2.pk)
        )
        watches = selectors.sell_through_by_product(
            brand=brand, period=PERIOD, scope=selectors.Scope(category="watch")
        )
    assert [r.store.code for r in swiss] == ["S3"]
    assert [(r.product.reference, r.received, r.sold) for r in lyon] == [("C", 10, 4)]
    assert [r.product.reference for r in watches] == ["W"]


def test_a_store_with_no_receipts_has_no_rate_and_no_cover_without_sales(brand: Any) -> None:
    from tests.factories import StoreFactory

    StoreFactory(brand=brand, code="EMPTY")
    _refreshed(brand)
    with brand_context(brand):
        rows = selectors.store_figures(brand=brand, period=PERIOD, scope=ALL)
        products = selectors.sell_through_by_product(brand=brand, period=PERIOD, scope=ALL)
    assert [(r.store.code, r.rate, r.registration_rate, r.weeks_of_cover) for r in rows] == [
        ("EMPTY", None, None, None)
    ]
    assert products == []


def test_rebuild_is_idempotent_and_keeps_to_its_brand(brand: Any, other_brand: Any, history: Any) -> None:
    from segmentation.insights.models import StoreProductWeek

    _refreshed(brand)
    with brand_context(brand):
        first = sorted(
            StoreProductWeek.objects.values_list("store_id", "product_id", "week", "received", "sold")
        )
    _refreshed(brand)
    _refreshed(other_brand)
    with brand_context(brand):
        second = sorted(
            StoreProductWeek.objects.values_list("store_id", "product_id", "week", "received", "sold")
        )
    with brand_context(other_brand):
        assert StoreProductWeek.objects.count() == 0
    assert first == second and len(first) > 0


def test_grey_market_by_week_and_country(brand: Any, history: Any) -> None:
    _refreshed(brand)
    with brand_context(brand):
        grey = selectors.grey_market_by_week(brand=brand, period=PERIOD, scope=ALL)
        french = selectors.grey_market_by_week(
            brand=brand, period=PERIOD, scope=selectors.Scope(country="FR")
        )
    # The W watch registered as grey market in Genève in week 1, nothing else.
    assert [code for code, _name in grey.countries] == ["CH"]
    assert grey.series("CH") == [1, 0, 0, 0]
    assert [grey.week_total(week) for week in grey.weeks] == [1, 0, 0, 0]
    assert french.countries == []


def test_network_page_shows_grey_market_over_time(client_for: Any, brand: Any, history: Any) -> None:
    from django.urls import reverse

    _refreshed(brand)
    url = reverse("insights:network", args=[brand.slug]) + f"?start={PERIOD.start}&end={PERIOD.end}"
    html = client_for(brand, "analyst").get(url).content.decode()
    assert 'data-testid="grey-table"' in html and "Switzerland" in html
    html = client_for(brand, "analyst").get(url + "&country=FR").content.decode()
    assert 'data-testid="empty-grey"' in html


def test_the_default_period_is_read_from_the_nightly_sell_through(brand: Any, history: Any) -> None:
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from segmentation.insights.models import ProductSellThrough

    with time_machine.travel(datetime(2026, 10, 14, 12, tzinfo=UTC), tick=False):  # 13 weeks around history
        _refreshed(brand)
        default = selectors.Period.around(None, None, timezone.localdate())
    assert (default.start, default.end) == (date(2026, 7, 13), date(2026, 10, 11))

    def figures(rows: list[Any]) -> list[tuple]:
        return [
            (r.product.reference, r.received, r.sold, r.rate, r.benchmark, r.weeks_under, r.is_candidate)
            for r in rows
        ]

    with brand_context(brand):
        # The network's 4 products, France's 3 (A, B, C) and Switzerland's 1 (W).
        stored_rows = ProductSellThrough.objects.filter(brand=brand, period_start=default.start)
        assert stored_rows.count() == 8
        assert sorted(stored_rows.values_list("country", "product__reference")) == [
            ("", "A"),
            ("", "B"),
            ("", "C"),
            ("", "W"),
            ("CH", "W"),
            ("FR", "A"),
            ("FR", "B"),
            ("FR", "C"),
        ]
        for scope in (
            ALL,
            selectors.Scope(category="ring"),
            selectors.Scope(country="FR"),
            selectors.Scope(country="FR", category="ring"),
        ):
            with CaptureQueriesContext(connection) as read:
                stored = selectors.sell_through_by_product(brand=brand, period=default, scope=scope)
            assert len(read) == 1  # one query: the stored rows with their products
            live = selectors.sell_through_live(brand=brand, period=default, scope=scope)
            assert figures(stored) == figures(live) and stored
        # A store or another period: computed from the weekly figures.
        with CaptureQueriesContext(connection) as read:
            one_store = selectors.sell_through_by_product(
                brand=brand, period=default, scope=selectors.Scope(store_id=history["stores"][0].pk)
            )
        assert len(read) > 1
        assert {r.product.reference for r in one_store} == {"A", "B"}


def test_store_weeks_are_the_store_product_weeks_summed_and_a_category_reads_the_products(
    brand: Any, history: Any
) -> None:
    from django.db.models import Sum

    from segmentation.insights.models import StoreProductWeek, StoreWeek

    _refreshed(brand)
    fields = ("received", "sold", "registered", "grey_market")
    with brand_context(brand):
        summed = {
            (row["store_id"], row["week"]): tuple(row[f] for f in fields)
            for row in StoreProductWeek.objects.filter(brand=brand)
            .values("store_id", "week")
            .annotate(**{f: Sum(f) for f in fields})
        }
        stored = {
            (row["store_id"], row["week"]): tuple(row[f] for f in fields)
            for row in StoreWeek.objects.filter(brand=brand).values("store_id", "week", *fields)
        }
        rings = selectors.store_figures(brand=brand, period=PERIOD, scope=selectors.Scope(category="ring"))
    assert stored == summed and stored
    # The rings only (the watch's store S3 sold none): read from the store × product rows.
    figures = {r.store.code: (r.received, r.sold) for r in rings if r.received or r.sold}
    assert figures == {"S1": (20, 10), "S2": (10, 4)}
