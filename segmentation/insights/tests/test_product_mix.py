"""Product mix on a hand-built week of orders; every figure below is worked out by hand.

| order | store (country)   | channel | amount   | lines        | note                                | EUR  |
|-------|-------------------|---------|----------|--------------|-------------------------------------|------|
| O1    | S1 (FR)           | store   | EUR 1600 | R1 x2 = 1600 | paid                                | 1600 |
| O2    | S2 (CH)           | store   | CHF 6600 | W1 x1 = 6600 | paid, 6000 EUR at the day's rate    | 6000 |
| O3    | online (DE cust.) | web     | EUR 600  | R2 x2 = 600  | 300 refunded                        | 300  |
| O4    | S1                | store   | EUR 800  | R1 x1        | refunded: left out                  | -    |
| O5    | S1                | store   | EUR 800  | R1 x1        | the week after the period: left out | -    |
| O6    | S1                | store   | EUR 300  | R2 x1        | no exchange rate: units, no revenue | 0    |

R1: Aurore ring, gold, 800 EUR (band 500-1,000); R2: Lien ring, silver, 300 EUR (under 500);
W1: Léman watch, steel, 6,000 EUR (5,000-10,000).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from customers.tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from jewelcrm.tenancy.context import brand_context
from segmentation.insights import selectors
from segmentation.insights.services import insights_refresh, insights_settings_update
from segmentation.insights.tests.conftest import PERIOD, WEEK1
from tests.factories import ProductFactory, StoreFactory

ALL = selectors.Scope()


def _order(
    brand: Any, *, store: Any, lines: list[tuple[Any, int, str]], day: Any = WEEK1, **fields: Any
) -> Any:
    order = OrderFactory(
        brand=brand, store=store, ordered_at=datetime(day.year, day.month, day.day, 15, tzinfo=UTC), **fields
    )
    for product, quantity, total in lines:
        OrderLineFactory(brand=brand, order=order, product=product, quantity=quantity, total=Decimal(total))
    return order


@pytest.fixture
def orders(brand: Any) -> dict[str, Any]:
    s1 = StoreFactory(brand=brand, code="S1", country="FR")
    s2 = StoreFactory(brand=brand, code="S2", country="CH", currency="CHF")
    r1 = ProductFactory(
        brand=brand, reference="R1", category="ring", collection="Aurore", metal="Gold", price=800
    )
    r2 = ProductFactory(
        brand=brand, reference="R2", category="ring", collection="Lien", metal="Silver", price=300
    )
    w1 = ProductFactory(
        brand=brand, reference="W1", category="watch", collection="Léman", metal="Steel", price=6000
    )
    day = WEEK1 + timedelta(days=2)
    _order(brand, store=s1, lines=[(r1, 2, "1600")], day=day, total=1600, total_brand_currency=1600)
    _order(
        brand,
        store=s2,
        lines=[(w1, 1, "6600")],
        day=day,
        currency="CHF",
        total=6600,
        total_brand_currency=6000,
    )
    _order(
        brand,
        store=None,
        lines=[(r2, 2, "600")],
        day=day,
        channel="web",
        total=600,
        total_brand_currency=600,
        refunded_amount=300,
        status="partially_refunded",
        customer=CustomerFactory(brand=brand, country="DE"),
    )
    _order(
        brand,
        store=s1,
        lines=[(r1, 1, "800")],
        day=day,
        total=800,
        total_brand_currency=800,
        status="refunded",
    )
    _order(
        brand,
        store=s1,
        lines=[(r1, 1, "800")],
        day=PERIOD.end + timedelta(days=1),
        total=800,
        total_brand_currency=800,
    )
    _order(brand, store=s1, lines=[(r2, 1, "300")], day=day, total=300, total_brand_currency=None)
    with brand_context(brand):
        insights_refresh(brand=brand)
    return {"stores": (s1, s2)}


def _mix(brand: Any, dimension: str, scope: Any = ALL) -> Any:
    with brand_context(brand):
        return selectors.product_mix(brand=brand, period=PERIOD, scope=scope, dimension=dimension)


def _rows(mix: Any) -> list[tuple]:
    return [(r.label, r.units, r.revenue, r.average_price, r.share) for r in mix.rows]


def test_by_collection_net_of_refunds_in_the_brands_currency(brand: Any, orders: Any) -> None:
    mix = _mix(brand, "collection")
    assert (mix.units, mix.revenue, mix.currency) == (6, Decimal("7900.00"), "EUR")
    assert _rows(mix) == [
        ("Léman", 1, Decimal("6000.00"), Decimal("6000.00"), Decimal("0.7595")),
        ("Aurore", 2, Decimal("1600.00"), Decimal("800.00"), Decimal("0.2025")),
        ("Lien", 3, Decimal("300.00"), Decimal("100.00"), Decimal("0.0380")),
    ]


def test_by_channel_country_and_price_band(brand: Any, orders: Any) -> None:
    assert [(r.label, r.units, r.revenue) for r in _mix(brand, "channel").rows] == [
        ("In store", 4, Decimal("7600.00")),
        ("Online", 2, Decimal("300.00")),
    ]
    assert [(r.key, r.units, r.revenue) for r in _mix(brand, "country").rows] == [
        ("CH", 1, Decimal("6000.00")),
        ("FR", 3, Decimal("1600.00")),
        ("DE", 2, Decimal("300.00")),
    ]
    bands = _mix(brand, "price_band")
    assert [(r.label, r.units, r.revenue) for r in bands.rows] == [
        ("5,000 EUR to 10,000 EUR", 1, Decimal("6000.00")),
        ("500 EUR to 1,000 EUR", 2, Decimal("1600.00")),
        ("Under 500 EUR", 3, Decimal("300.00")),
    ]


def test_which_price_bands_over_perform_in_which_country(brand: Any, orders: Any) -> None:
    matrix = {line["code"]: line["cells"] for line in _mix(brand, "price_band").matrix}
    # FR sells only the 500-1,000 band: (1600/1600) / (1600/7900) = 4.9375 -> 494; unsold bands: no index.
    assert matrix == {
        "CH": [0, 0, None, None, 132, None],
        "FR": [0, 494, None, None, 0, None],
        "DE": [2633, 0, None, None, 0, None],
    }
    assert list(matrix) == ["CH", "FR", "DE"]  # the largest market first


def test_price_bands_are_the_brands_own(brand: Any, orders: Any) -> None:
    with brand_context(brand):
        insights_settings_update(brand=brand, price_band_limits=[1000, 5000])
    assert [(r.label, r.units) for r in _mix(brand, "price_band").rows] == [
        ("5,000 EUR and more", 1),
        ("Under 1,000 EUR", 5),
    ]


def test_filters_apply_to_the_mix(brand: Any, orders: Any) -> None:
    s1, _s2 = orders["stores"]
    assert [r.label for r in _mix(brand, "collection", selectors.Scope(country="DE")).rows] == ["Lien"]
    assert [(r.label, r.units) for r in _mix(brand, "collection", selectors.Scope(store_id=s1.pk)).rows] == [
        ("Aurore", 2),
        ("Lien", 1),
    ]
    assert _mix(brand, "collection", selectors.Scope(category="necklace")).rows == []


def test_page_csv_and_price_band_form(client_for: Any, brand: Any, orders: Any) -> None:
    url = reverse("insights:product_mix", args=[brand.slug]) + f"?start={PERIOD.start}&end={PERIOD.end}"
    analyst = client_for(brand, "analyst")
    html = analyst.get(url + "&by=metal").content.decode()
    assert 'data-key="Steel"' in html and "7,900.00\u00a0EUR" in html
    lines = analyst.get(url + "&by=metal&format=csv").content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Metal,Units,Revenue (EUR),Average price (EUR),Share of revenue (%)"
    assert lines[1] == "Steel,1,6000.00,6000.00,75.9"
    bands_url = reverse("insights:price_bands", args=[brand.slug])
    assert analyst.post(bands_url, {"limits": "100, 200"}).status_code == 403
    admin = client_for(brand, "admin")
    response = admin.post(bands_url, {"limits": "2000, 1000"}, follow=True)
    assert "Give increasing amounts" in response.content.decode()
    admin.post(bands_url, {"limits": "1 000, 5000"})
    with brand_context(brand):
        assert selectors.price_band_limits(brand=brand) == [1000, 5000]


@pytest.mark.parametrize(
    "scope",
    [
        ALL,
        selectors.Scope(country="FR"),
        selectors.Scope(category="ring"),
        selectors.Scope("CH", None, "watch"),
    ],
)
def test_the_nightly_grouping_gives_the_same_figures_as_the_sales_per_product(
    brand: Any, orders: Any, scope: Any
) -> None:
    """Pages without a store filter read `MixWeek`; grouping the weekly sales per product gives the same."""
    from segmentation.insights.models import MixWeek

    with brand_context(brand):
        assert MixWeek.objects.filter(brand=brand).exists()
        limits = selectors.price_band_limits(brand=brand)
        for dimension in selectors.DIMENSIONS:
            rolled, rolled_cells = selectors._mix_from_rollup(
                brand=brand, period=PERIOD, scope=scope, dimension=dimension
            )
            live, live_cells = selectors._mix_from_sales(
                brand=brand, period=PERIOD, scope=scope, dimension=dimension, limits=limits
            )

            def norm(rows: list[dict[str, Any]]) -> list[tuple]:
                return sorted(
                    (str(r["key"] if r["key"] is not None else ""), r["units"], r["revenue"]) for r in rows
                )

            assert norm(rolled) == norm(live), dimension
            assert sorted(rolled_cells) == sorted(live_cells), dimension


def test_edited_price_bands_are_grouped_again(brand: Any, orders: Any) -> None:
    from segmentation.insights.services import insights_mix_refresh

    with brand_context(brand):
        insights_settings_update(brand=brand, price_band_limits=[1000, 5000])
        assert selectors.last_refresh(brand=brand).price_band_limits == [500, 1000, 2500, 5000, 10000]
        insights_mix_refresh(brand=brand)
        assert selectors.last_refresh(brand=brand).price_band_limits == [1000, 5000]
    assert [(r.label, r.units) for r in _mix(brand, "price_band").rows] == [
        ("5,000 EUR and more", 1),
        ("Under 1,000 EUR", 5),
    ]
