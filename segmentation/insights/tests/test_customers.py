"""The customers page: cohort retention and the second purchase on hand-built orders, the RFM grid, value
deciles and churn bands on hand-built scores; every figure below is worked out by hand.

Orders (EUR): X on 10 Jan, 5 Apr and 1 Oct 2025; Y on 1 and 20 Feb 2025; Z on 1 May and 15 Jul 2025;
W on 30 Jun 2025 (and a refunded order on 1 Aug 2025, left out). Today: 15 January 2026, so the last whole
quarter is Q4 2025.

| cohort  | customers | Q+1 | Q+2 | Q+3 |
|---------|-----------|-----|-----|-----|
| Q1 2025 | X, Y = 2  | X 50 % | 0 % | X 50 % |
| Q2 2025 | Z, W = 2  | Z 50 % | 0 % | (not yet) |

Second purchases: Y after 19 days, Z after 75, X after 85: median 75 days; 1 within 30 days, 2 in 31-90.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from customers.tests.factories import CustomerFactory, OrderFactory
from jewelcrm.tenancy.context import brand_context
from segmentation.insights import customer_insights as ci
from segmentation.insights.services import insights_refresh
from segmentation.models import CustomerScore, PipelineRun

TODAY = date(2026, 1, 15)


def _order(brand: Any, customer: Any, day: date, **fields: Any) -> None:
    OrderFactory(
        brand=brand,
        customer=customer,
        store=None,
        ordered_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        total=Decimal("100"),
        total_brand_currency=Decimal("100"),
        **fields,
    )


@pytest.fixture
def cohorts(brand: Any) -> None:
    x, y, z, w = (CustomerFactory(brand=brand) for _ in range(4))
    for day in (date(2025, 1, 10), date(2025, 4, 5), date(2025, 10, 1)):
        _order(brand, x, day)
    _order(brand, y, date(2025, 2, 1))
    _order(brand, y, date(2025, 2, 20))
    _order(brand, z, date(2025, 5, 1))
    _order(brand, z, date(2025, 7, 15))
    _order(brand, w, date(2025, 6, 30))
    _order(brand, w, date(2025, 8, 1), status="refunded")
    with brand_context(brand):
        insights_refresh(brand=brand)


def test_cohort_triangle(brand: Any, cohorts: Any) -> None:
    with brand_context(brand):
        triangle = ci.cohort_triangle(brand=brand, today=TODAY, quarters=4)
    assert [(c.label, c.customers, c.again) for c in triangle] == [
        ("Q1 2025", 2, [1, 0, 1]),
        ("Q2 2025", 2, [1, 0, None]),
    ]
    assert triangle[0].shares == [Decimal("0.5000"), Decimal("0.0000"), Decimal("0.5000")]
    with brand_context(brand):
        assert ci.cohort_triangle(brand=brand, today=date(2025, 4, 2), quarters=4)[0].again == [None] * 3


def test_time_to_the_second_purchase(brand: Any, cohorts: Any) -> None:
    with brand_context(brand):
        gaps = ci.second_purchase(brand=brand)
    assert (gaps.customers, gaps.median_days) == (3, 75)
    assert [b.customers for b in gaps.buckets] == [1, 2, 0, 0, 0, 0]


def _publish(brand: Any, cells: list[tuple[int, int, float, int, float | None, float | None]]) -> Any:
    """A published run with one score per (r, f, spend, value decile, 12-month value, churn risk)."""
    with brand_context(brand):
        run = PipelineRun.objects.create(
            brand=brand,
            status="succeeded",
            run_date=date(2026, 1, 10),
            observation_date=date(2026, 1, 9),
            is_published=True,
            summary={"segments": {"champions": 2, "lost": 1}, "segment_values": {"champions": 900.0}},
        )
        for r, f, spend, band, clv, churn in cells:
            CustomerScore.objects.create(
                brand=brand,
                run=run,
                customer=CustomerFactory(brand=brand),
                frequency=f,
                recency=10,
                t=100,
                monetary_value=spend,
                purchases=f + 1,
                total_spend=spend,
                first_purchase=date(2025, 1, 1),
                last_purchase=date(2025, 12, 1),
                days_since_last=40,
                r_score=r,
                f_score=f,
                m_score=3,
                rfm_segment="champions",
                average_order_value=spend,
                purchases_per_year=1,
                lifespan_years=3,
                clv_historic=spend * 3,
                clv_12m=clv,
                value_band=band,
                churn_risk=churn,
                value_at_risk=None if churn is None else round(churn * spend, 2),
            )
    return run


def test_rfm_grid_deciles_and_churn_bands(brand: Any) -> None:
    _publish(
        brand,
        [
            (5, 5, 500.0, 10, 800.0, 0.1),
            (5, 5, 400.0, 10, 700.0, 0.2),
            (1, 2, 100.0, 1, None, 0.9),  # no predicted value: its historic value, 300
            (3, 1, 50.0, 5, 60.0, None),
        ],
    )
    with brand_context(brand):
        aggregates = ci.scores(brand=brand)
    grid = ci.rfm_grid(aggregates)
    top_right = grid[0][4]
    assert (top_right.r, top_right.f, top_right.customers, top_right.spend, top_right.heat) == (
        5,
        5,
        2,
        Decimal("900.00"),
        5,
    )
    assert (grid[4][1].r, grid[4][1].f, grid[4][1].customers, grid[4][1].heat) == (1, 2, 1, 3)
    assert sum(cell.customers for line in grid for cell in line) == 4
    assert [
        (d["decile"], d["customers"], d["total"], d["lowest"], d["highest"])
        for d in ci.value_deciles(aggregates)
    ] == [
        (1, 1, Decimal("300.00"), Decimal("300.00"), Decimal("300.00")),
        (5, 1, Decimal("60.00"), Decimal("60.00"), Decimal("60.00")),
        (10, 2, Decimal("1500.00"), Decimal("700.00"), Decimal("800.00")),
    ]
    assert [(b["band"], b["customers"], b["at_risk"]) for b in ci.churn_bands(aggregates)] == [
        ("0-25", 2, Decimal("130.00")),
        ("25-50", 0, Decimal("0.00")),
        ("50-75", 0, Decimal("0.00")),
        ("75-100", 1, Decimal("90.00")),
        ("none", 1, Decimal("0.00")),
    ]


# --- The page ----------------------------------------------------------------------------------------


def _url(brand: Any) -> str:
    return reverse("insights:customers", args=[brand.slug])


@pytest.mark.parametrize("role", ["owner", "admin", "marketer", "analyst"])
def test_brand_staff_read_the_customers_page(client_for: Any, brand: Any, role: str) -> None:
    html = client_for(brand, role).get(_url(brand)).content.decode()
    assert 'data-testid="empty-scores"' in html and 'data-testid="empty-cohorts"' in html


@pytest.mark.parametrize("role", ["retail_manager", "sales_associate"])
def test_retailer_staff_never_see_the_customers_page(client_for: Any, brand: Any, role: str) -> None:
    assert client_for(brand, role).get(_url(brand)).status_code == 403


def test_a_member_of_another_brand_gets_404(client_for: Any, brand: Any, other_brand: Any) -> None:
    assert client_for(other_brand, "owner").get(_url(brand)).status_code == 404


def test_the_page_shows_the_grid_and_the_triangle_and_their_csv(
    client_for: Any, brand: Any, cohorts: Any
) -> None:
    _publish(brand, [(5, 5, 500.0, 10, 800.0, 0.1)])
    client = client_for(brand, "marketer")
    html = client.get(_url(brand) + "?quarters=12").content.decode()
    assert 'data-cell="55"' in html and "500.00\u00a0EUR" in html
    assert '<option value="12" selected>' in html
    assert 'data-cohort="Q1 2025"' in html
    assert "bought a second time; half of them within 75 days" in html
    assert html.count("<canvas data-chart=") == 4
    response = client.get(_url(brand) + "?quarters=12&format=csv&table=rfm")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Recency score,Frequency score,Customers,Spend (EUR)"
    assert "5,5,1,500.00" in lines
    cohorts_csv = client.get(_url(brand) + "?quarters=12&format=csv&table=cohorts").content.decode(
        "utf-8-sig"
    )
    assert cohorts_csv.splitlines()[0].startswith("Cohort,Customers,Quarter 1 (%),Quarter 2 (%)")
    assert client.get(_url(brand) + "?format=csv&table=nothing").status_code == 404


def test_the_customers_page_in_french(client_for: Any, brand: Any, cohorts: Any) -> None:
    client = client_for(brand, "owner")
    client.cookies["django_language"] = "fr"
    html = client.get(_url(brand), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rétention des cohortes" in html


def test_the_page_keeps_a_fixed_number_of_queries(client_for: Any, brand: Any, cohorts: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _publish(brand, [(5, 5, 500.0, 10, 800.0, 0.1)])
    client = client_for(brand, "owner")
    client.get(_url(brand))  # warm the session and the scores' cache
    with CaptureQueriesContext(connection) as small:
        client.get(_url(brand))
    for n in range(6):
        _order(brand, CustomerFactory(brand=brand), date(2025, 1 + n, 2))
    with brand_context(brand):
        insights_refresh(brand=brand)
    with CaptureQueriesContext(connection) as big:
        client.get(_url(brand))
    assert len(big) == len(small)


def test_the_page_reads_a_real_nightly_run(client_for: Any, brand: Any) -> None:
    """The segmentation pipeline on its own test history, then the page: grid, segment history with the
    spend the run recorded, deciles, the best-customer profile's link, no error."""
    from segmentation import pipeline, services
    from segmentation.tests.factories import history
    from segmentation.tests.test_pipeline import HISTORY

    history(brand, HISTORY)
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=date(2026, 3, 31))
    pipeline.run_execute(brand=brand, run_id=run.pk)
    with brand_context(brand):
        run = PipelineRun.objects.get(pk=run.pk)
        scored = CustomerScore.objects.filter(brand=brand, run=run).count()
    assert run.is_published and run.summary["segment_values"]
    html = client_for(brand, "analyst").get(_url(brand)).content.decode()
    assert 'data-testid="rfm-grid"' in html and 'data-testid="empty-scores"' not in html
    with brand_context(brand):
        aggregates = ci.scores(brand=brand)
        history_rows = ci.segments_over_time(brand=brand)["segments"]
    assert sum(cell.customers for line in ci.rfm_grid(aggregates) for cell in line) == scored
    assert sum(row["sizes"][-1] for row in history_rows) == scored


def test_the_pipeline_keeps_the_scores_the_page_reads_on_the_run(brand: Any) -> None:
    """As it publishes, the pipeline groups the score aggregates once and keeps them on the run row: the
    page reads them in one query (the published run), exact to the cent, even with the cache lost."""

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from segmentation import pipeline, selectors, services
    from segmentation.tests.factories import history
    from segmentation.tests.test_pipeline import HISTORY

    history(brand, HISTORY)
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=date(2026, 3, 31))
    pipeline.run_execute(brand=brand, run_id=run.pk)
    cache.clear()
    with brand_context(brand):
        run = PipelineRun.objects.get(pk=run.pk)
        assert run.is_published and run.aggregates["run_id"] == run.pk
        grouped = selectors.score_aggregates(brand=brand)
        with CaptureQueriesContext(connection) as captured:
            kept = ci.scores(brand=brand)
        assert len(captured) == 1

    def types(data: dict[str, Any]) -> set[tuple[str, str, type]]:
        return {
            (part, k, type(v))
            for part in ("grid", "deciles", "churn")
            for r in data[part]
            for k, v in r.items()
        }

    assert kept == grouped and types(kept) == types(grouped)  # a Decimal stays a Decimal, a float a float
    assert kept["grid"] and kept["deciles"] and kept["churn"]
    assert kept["observation_date"] == date(2026, 3, 31)


def test_a_run_published_before_the_aggregates_were_kept_is_grouped_by_the_page(brand: Any) -> None:
    from segmentation import pipeline, selectors, services
    from segmentation.tests.factories import history
    from segmentation.tests.test_pipeline import HISTORY

    history(brand, HISTORY)
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=date(2026, 3, 31))
    pipeline.run_execute(brand=brand, run_id=run.pk)
    with brand_context(brand):
        PipelineRun.objects.filter(pk=run.pk).update(aggregates={})
        assert ci.scores(brand=brand) == selectors.score_aggregates(brand=brand) is not None
