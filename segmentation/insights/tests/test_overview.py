"""The overview on a hand-built history; every figure below is worked out by hand.

Brand in EUR; S1 in France, S2 in Switzerland. Period: January to March 2026 (previous: October to
December 2025).

| customer | day        | where        | amount                 | note                                      |
|----------|------------|--------------|------------------------|-------------------------------------------|
| C        | 2024-11-20 | S1           | 600                    | only purchase                             |
| A (FR)   | 2025-03-10 | S1           | 1000                   | first purchase                            |
| B        | 2026-01-15 | S2           | CHF 2200 = 2000 EUR    | first purchase                            |
| A        | 2026-02-05 | S1 (ERP)     | 500                    | a line with piece P2's serial             |
| -        | 2026-02-10 | S1           | 200                    | no known customer                         |
| A        | 2026-02-20 | online       | 300                    | the customer's country: France            |
| B        | 2026-03-01 | S2           | 800                    | refunded: left out                        |
| D        | 2026-03-10 | S1           | 400, 100 refunded      | first purchase, 300                       |
| B        | 2026-03-15 | S2           | CHF 1000               | no exchange rate: an order, no value      |

Warranties: pieces P1 and P2 received in S1 in January; P1 registered on 12 February, P2 sold by A's
ERP order (not registered): 2 pieces sold, 1 registered in February.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from customers.tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from jewelcrm.tenancy.context import brand_context
from segmentation.insights.overview import MonthPeriod, Slice, overview
from segmentation.insights.services import insights_refresh
from segmentation.insights.tests.conftest import _receive, _register
from tests.factories import ProductFactory, StoreFactory

PERIOD = MonthPeriod(start=date(2026, 1, 1), end=date(2026, 3, 1))


def _order(brand: Any, day: date, total: str, **fields: Any) -> Any:
    fields.setdefault("total_brand_currency", Decimal(total))
    return OrderFactory(
        brand=brand,
        ordered_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        total=Decimal(total),
        **fields,
    )


@pytest.fixture
def shop(brand: Any) -> dict[str, Any]:
    s1 = StoreFactory(brand=brand, code="S1", name="Paris", country="FR")
    s2 = StoreFactory(brand=brand, code="S2", name="Genève", country="CH", currency="CHF")
    a = CustomerFactory(brand=brand, country="FR")
    b = CustomerFactory(brand=brand, country="CH")
    c = CustomerFactory(brand=brand, country="FR")
    d = CustomerFactory(brand=brand, country="FR")
    product = ProductFactory(brand=brand, reference="P")
    p1, p2 = _receive(brand, s1, product, 2, date(2026, 1, 8))
    _order(brand, date(2024, 11, 20), "600", customer=c, store=s1)
    _order(brand, date(2025, 3, 10), "1000", customer=a, store=s1)
    _order(brand, date(2026, 1, 15), "2200", customer=b, store=s2, currency="CHF", total_brand_currency=2000)
    till = _order(brand, date(2026, 2, 5), "500", customer=a, store=s1)
    OrderLineFactory(brand=brand, order=till, product=product, serial=p2.serial, total=500)
    _order(brand, date(2026, 2, 10), "200", customer=None, store=s1)
    _order(brand, date(2026, 2, 20), "300", customer=a, store=None, channel="web")
    _order(brand, date(2026, 3, 1), "800", customer=b, store=s2, status="refunded")
    _order(
        brand,
        date(2026, 3, 10),
        "400",
        customer=d,
        store=s1,
        refunded_amount=100,
        status="partially_refunded",
    )
    _order(brand, date(2026, 3, 15), "1000", customer=b, store=s2, currency="CHF", total_brand_currency=None)
    _register(brand, s1, p1, date(2026, 2, 12))
    with brand_context(brand):
        insights_refresh(brand=brand)
    return {"stores": (s1, s2)}


def _figures(brand: Any, slice: Slice | None = None, period: MonthPeriod = PERIOD) -> dict[str, Any]:
    with brand_context(brand):
        result = overview(brand=brand, period=period, slice=slice or Slice())
    return {f.key: (f.value, f.previous) for f in result.figures}


def test_the_whole_brand(brand: Any, shop: Any) -> None:
    figures = _figures(brand)
    assert figures["customers"] == (4, 2)  # A, B, C, D; at the end of December: C and A
    assert figures["active_12m"] == (3, 1)  # A, B, D (April 2025 on); before: A (January 2025 on)
    assert figures["active_24m"] == (4, 2)
    assert figures["repeat_rate"] == (Decimal("0.5000"), Decimal("0.0000"))  # A and B bought twice
    assert figures["revenue"] == (Decimal("3300.00"), Decimal("0.00"))
    assert figures["aov"][0] == Decimal("660.00")  # 3,300 over 5 orders with a value
    assert figures["aov"][1] is None
    assert figures["registrations"] == (1, 0)
    assert figures["warranty_share"] == (Decimal("0.5000"), None)


def test_months_with_last_year_and_new_against_returning(brand: Any, shop: Any) -> None:
    with brand_context(brand):
        months = overview(brand=brand, period=PERIOD, slice=Slice()).months
    assert [
        (m.month.month, m.revenue, m.revenue_last_year, m.orders, m.new_revenue, m.returning_revenue)
        for m in months
    ] == [
        (1, Decimal("2000.00"), Decimal("0.00"), 1, Decimal("2000.00"), Decimal("0.00")),
        (2, Decimal("1000.00"), Decimal("0.00"), 3, Decimal("0.00"), Decimal("800.00")),
        (3, Decimal("300.00"), Decimal("1000.00"), 2, Decimal("300.00"), Decimal("0.00")),
    ]
    assert months[1].other_revenue == Decimal("200.00")  # the order without a known customer
    assert [(m.registrations, m.pieces_sold, m.warranty_share) for m in months] == [
        (0, 0, None),
        (1, 2, Decimal("0.5000")),
        (0, 0, None),
    ]


def test_one_store(brand: Any, shop: Any) -> None:
    s1, _s2 = shop["stores"]
    figures = _figures(brand, Slice(store_id=s1.pk))
    assert figures["customers"] == (3, 2)  # C, A, D
    assert figures["repeat_rate"][0] == Decimal("0.3333")  # A
    assert figures["active_12m"][0] == 2  # A, D
    assert figures["revenue"][0] == Decimal("1000.00")  # 500 + 200 + 300
    assert figures["warranty_share"][0] == Decimal("0.5000")


def test_one_channel_and_one_country(brand: Any, shop: Any) -> None:
    online = _figures(brand, Slice(channel="web"))
    assert (online["customers"][0], online["revenue"][0]) == (1, Decimal("300.00"))
    assert online["warranty_share"][0] is None  # no piece sold online
    swiss = _figures(brand, Slice(country="CH"))
    assert (swiss["customers"][0], swiss["repeat_rate"][0]) == (1, Decimal("1.0000"))
    assert (swiss["revenue"][0], swiss["aov"][0]) == (Decimal("2000.00"), Decimal("2000.00"))
    french_stores = _figures(brand, Slice(country="FR", channel="store"))
    assert french_stores["revenue"][0] == Decimal("1000.00")
    assert _figures(brand, Slice(country="FR"))["revenue"][0] == Decimal("1300.00")  # and A online


def test_a_period_with_no_data_and_an_empty_brand(brand: Any, other_brand: Any, shop: Any) -> None:
    old = MonthPeriod(start=date(2020, 1, 1), end=date(2020, 6, 1))
    with brand_context(brand):
        result = overview(brand=brand, period=old, slice=Slice())
    assert not result.has_data and not result.period_has_data
    assert result.figure("aov").value is None and result.figure("repeat_rate").value is None
    with brand_context(other_brand):
        insights_refresh(brand=other_brand)
        empty = overview(brand=other_brand, period=PERIOD, slice=Slice())
    assert not empty.has_data
    assert empty.figure("customers").value == 0 and empty.figure("customers").change is None


def test_change_against_the_previous_period() -> None:
    from segmentation.insights.overview import Figure

    assert Figure("x", "x", 150, 100, "count").change == Decimal("0.5000")
    assert Figure("x", "x", Decimal("0.40"), Decimal("0.25"), "share").change == Decimal("15.0000")
    assert Figure("x", "x", 5, 0, "count").change is None
    assert MonthPeriod(date(2026, 1, 1), date(2026, 3, 1)).previous == MonthPeriod(
        date(2025, 10, 1), date(2025, 12, 1)
    )
    assert MonthPeriod.around(None, None, date(2026, 12, 5)) == MonthPeriod(
        date(2025, 12, 1), date(2026, 11, 1)
    )


# --- The page ----------------------------------------------------------------------------------------

QUERY = "?start=2026-01&end=2026-03"


def _url(brand: Any) -> str:
    from django.urls import reverse

    return reverse("insights:overview", args=[brand.slug])


@pytest.mark.parametrize("role", ["owner", "admin", "marketer", "analyst"])
def test_brand_staff_read_the_overview(client_for: Any, brand: Any, role: str) -> None:
    response = client_for(brand, role).get(_url(brand))
    assert response.status_code == 200
    assert 'data-testid="empty"' in response.content.decode()


@pytest.mark.parametrize("role", ["retail_manager", "sales_associate"])
def test_retailer_staff_never_see_the_overview(client_for: Any, brand: Any, role: str) -> None:
    assert client_for(brand, role).get(_url(brand)).status_code == 403


def test_another_brands_store_as_a_filter_answers_404(client_for: Any, brand: Any, other_brand: Any) -> None:
    foreign = StoreFactory(brand=other_brand)
    assert client_for(brand, "analyst").get(_url(brand) + f"?store={foreign.pk}").status_code == 404
    assert client_for(other_brand, "owner").get(_url(brand)).status_code == 404


def test_the_page_shows_the_figures_and_keeps_the_filters(client_for: Any, brand: Any, shop: Any) -> None:
    s1, _s2 = shop["stores"]
    client = client_for(brand, "marketer")
    html = client.get(_url(brand) + QUERY).content.decode()
    assert "Jan 2026 to Mar 2026, amounts in EUR" in html
    assert 'data-figure="customers"' in html and "3,300.00\u00a0EUR" in html and "660.00\u00a0EUR" in html
    assert "+100.0% vs the previous period" in html  # customers: 4 against 2
    assert "+50.0 pts vs the previous period" in html  # repeat rate: 50 % against 0 %
    assert html.count("<canvas data-chart=") == 4
    html = client.get(_url(brand) + QUERY + f"&store={s1.pk}&channel=store").content.decode()
    assert f'<option value="{s1.pk}" selected>' in html and '<option value="store" selected>' in html
    assert 'value="2026-01"' in html  # the month picker keeps the period
    assert "1,000.00\u00a0EUR" in html
    wrong_country = client.get(_url(brand) + QUERY + f"&store={s1.pk}&country=CH").content.decode()
    assert 'data-testid="empty"' in wrong_country


def test_a_period_without_data_says_so(client_for: Any, brand: Any, shop: Any) -> None:
    html = client_for(brand, "owner").get(_url(brand) + "?start=2030-01&end=2030-03").content.decode()
    assert 'data-testid="empty-period"' in html and "<canvas" not in html


def test_the_csv_has_every_month(client_for: Any, brand: Any, shop: Any) -> None:
    response = client_for(brand, "analyst").get(_url(brand) + QUERY + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert (
        "overview-" in response["Content-Disposition"]
        and "2026-01-2026-03" in response["Content-Disposition"]
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Month,Revenue (EUR),Same month last year (EUR),Orders")
    assert lines[1:] == [
        "2026-01,2000.00,0.00,1,2000.00,0.00,0.00,0,0,",
        "2026-02,1000.00,0.00,3,0.00,800.00,200.00,1,2,50.0",
        "2026-03,300.00,1000.00,2,300.00,0.00,0.00,0,0,",
    ]


def test_the_overview_in_french(client_for: Any, brand: Any, shop: Any) -> None:
    client = client_for(brand, "owner")
    client.cookies["django_language"] = "fr"
    html = client.get(_url(brand) + QUERY, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Clients et chiffre d’affaires" in html
    assert "3\u00a0300,00\u00a0EUR" in html
    assert "50,0\u202f%" in html


def test_the_page_keeps_a_fixed_number_of_queries(client_for: Any, brand: Any, shop: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(brand, "owner")
    client.get(_url(brand))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(_url(brand) + QUERY)
    s1, _s2 = shop["stores"]
    for n in range(5):  # more customers, stores and months
        store = StoreFactory(brand=brand, code=f"M{n}", country="DE")
        _order(brand, date(2025, n + 1, 3), "100", customer=CustomerFactory(brand=brand), store=store)
    with brand_context(brand):
        insights_refresh(brand=brand)
    with CaptureQueriesContext(connection) as big:
        client.get(_url(brand) + QUERY)
    assert len(big) == len(small)
