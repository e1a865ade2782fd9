"""The pipeline's stages on small hand-built histories, with exact values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone

from customers.tests.factories import OrderFactory
from jewelcrm.tenancy.context import brand_context
from segmentation import pipeline, pipeline_write, services, sql
from segmentation.models import CustomerScore, PipelineRun, RunStatus
from segmentation.tests.factories import history

pytestmark = pytest.mark.django_db

OBS = date(2026, 3, 31)


def _run(brand, write_path=None, observation=OBS):
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=observation)
    return pipeline.run_execute(brand=brand, run_id=run.pk, write_path=write_path)


def _scores(brand, run):
    with brand_context(brand):
        return {s.customer_id: s for s in CustomerScore.objects.filter(run=run)}


HISTORY = {
    "Ada": [("2025-01-10", "100"), ("2025-01-10", "50"), ("2025-06-01", "300"), ("2026-02-01", "500")],
    "Bea": [("2024-04-01", "2000")],
    "Cy": [("2025-12-24", "800"), ("2026-03-30", "200")],
}


@pytest.mark.parametrize("write_path", ["copy", "values"])
def test_btyd_summary_equals_lifetimes_own_function(brand, write_path):
    from lifetimes.utils import summary_data_from_transaction_data

    people = history(brand, HISTORY)
    run = _run(brand, write_path=write_path)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.rows["write_path"] == write_path
    scores = _scores(brand, run)
    rows = [
        {"customer_id": people[name].pk, "date": pd.Timestamp(day), "amount": float(amount)}
        for name, purchases in HISTORY.items()
        for day, amount in purchases
    ]
    expected = summary_data_from_transaction_data(
        pd.DataFrame(rows),
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(OBS),
        freq="D",
    )
    assert set(scores) == set(expected.index)
    for customer_id, row in expected.iterrows():
        score = scores[customer_id]
        assert (score.frequency, score.recency, score.t) == (row["frequency"], row["recency"], row["T"])
        assert score.monetary_value == pytest.approx(row["monetary_value"])
    ada = scores[people["Ada"].pk]
    assert (ada.frequency, ada.recency, ada.t, ada.monetary_value) == (2, 387, 445, 400.0)
    assert (ada.purchases, ada.total_spend, ada.days_since_last) == (3, 950.0, 58)


def test_rfm_and_historic_value(brand):
    people = history(brand, HISTORY)
    run = _run(brand)
    scores = _scores(brand, run)
    # Fewer than 20 repeat intervals: the fallback cut-offs 90/180/365/730 days apply.
    assert ["recency_fallback", {"intervals": 2}] in run.notes
    ada, bea, cy = (scores[people[n].pk] for n in ("Ada", "Bea", "Cy"))
    assert (ada.r_score, ada.f_score) == (5, 3)  # 58 days, 3 purchases
    assert ada.rfm_segment == "loyal"
    assert (bea.r_score, bea.f_score, bea.rfm_segment) == (2, 1, "hibernating")  # 729 days, once
    assert (cy.r_score, cy.f_score, cy.rfm_segment) == (5, 2, "potential_loyalists")
    # Historic: AOV × purchases per year × lifespan (mean span of repeat buyers, at least one year).
    assert ada.average_order_value == pytest.approx(950 / 3, abs=0.01)
    assert ada.purchases_per_year == pytest.approx(3 / (445 / 365.25), abs=1e-4)
    assert ada.lifespan_years == 1.0  # spans of 387 and 96 days: mean under a year
    assert ada.clv_historic == pytest.approx(950 / 3 * 3 / (445 / 365.25), abs=0.01)


def test_refunds_voided_and_other_currencies(brand):
    people = history(brand, {"Dee": [("2025-05-01", "1000")]})
    dee = people["Dee"]
    when = datetime(2025, 8, 1, 10, tzinfo=UTC)
    OrderFactory(
        brand=brand,
        customer=dee,
        ordered_at=when,
        total=Decimal("400"),
        total_brand_currency=Decimal("400"),
        refunded_amount=Decimal("100"),
        status="partially_refunded",
    )
    OrderFactory(
        brand=brand,
        customer=dee,
        ordered_at=when,
        total=Decimal("900"),
        total_brand_currency=Decimal("900"),
        status="refunded",
    )
    OrderFactory(
        brand=brand,
        customer=dee,
        ordered_at=when,
        total=Decimal("900"),
        total_brand_currency=Decimal("900"),
        status="cancelled",
    )
    OrderFactory(
        brand=brand,
        customer=dee,
        ordered_at=when,
        currency="USD",
        total=Decimal("50"),
        total_brand_currency=None,
    )  # no exchange rate stored
    run = _run(brand)
    score = _scores(brand, run)[dee.pk]
    assert (score.purchases, score.total_spend) == (2, 1300.0)
    assert ["orders_without_rate", {"count": 1, "currencies": "USD"}] in run.notes


def test_no_purchases_gives_a_clear_empty_run(brand):
    run = _run(brand)
    assert run.status == RunStatus.SUCCEEDED
    assert run.rows["customers"] == 0
    assert ["no_purchases", {}] in run.notes


def test_all_one_time_buyers(brand):
    history(brand, {f"P{i}": [(f"2025-{1 + i % 12:02d}-15", "500")] for i in range(12)})
    run = _run(brand)
    assert run.status == RunStatus.SUCCEEDED
    assert ["all_one_time", {}] in run.notes
    assert run.fit["mbgnbd"] == {"error": "no_repeat_purchases"}
    assert all(s.clv_12m is None for s in _scores(brand, run).values())


def test_failed_run_keeps_previous_results_and_rerun_is_idempotent(brand, monkeypatch):
    history(brand, HISTORY)
    first = _run(brand)
    before = {k: (v.rfm_segment, v.clv_historic) for k, v in _scores(brand, first).items()}

    def boom(state):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "_models", boom)
    failed = _run(brand)
    assert failed.status == RunStatus.FAILED and "disk full" in failed.error
    with brand_context(brand):
        assert PipelineRun.objects.get(is_published=True).pk == first.pk
        assert CustomerScore.objects.filter(run_id=failed.pk).count() == 0
    monkeypatch.undo()
    again = _run(brand)
    after = {k: (v.rfm_segment, v.clv_historic) for k, v in _scores(brand, again).items()}
    assert after == before
    with brand_context(brand):
        assert PipelineRun.objects.get(is_published=True).pk == again.pk
        assert again.summary["migration"] == {
            "loyal": {"loyal": 1},
            "hibernating": {"hibernating": 1},
            "potential_loyalists": {"potential_loyalists": 1},
        }


def test_a_second_request_while_one_is_active_says_so(brand):
    with brand_context(brand):
        first = services.run_request(brand=brand)
        with pytest.raises(services.RunAlreadyActive) as caught:
            services.run_request(brand=brand)
    assert caught.value.run.pk == first.pk
    # A duplicate delivery of the task does nothing.
    pipeline.run_execute(brand=brand, run_id=first.pk)
    assert pipeline.run_execute(brand=brand, run_id=first.pk) is None


def test_other_brand_rows_are_not_read(brand, other_brand):
    history(brand, HISTORY)
    history(other_brand, {"Zed": [("2025-01-01", "10"), ("2025-02-01", "10")]})
    run = _run(brand)
    assert run.rows["customers"] == 3
    assert timezone.now()


def test_the_nightly_run_works_through_djangos_debug_cursor(brand):
    """With DEBUG on (make run's default) Django wraps every cursor in its debug cursor, whose COPY takes no
    keyword arguments: the whole run publishes there too (the queries are captured as with DEBUG)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    history(brand, HISTORY)
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=date(2026, 3, 31))
    with CaptureQueriesContext(connection) as captured:
        pipeline.run_execute(brand=brand, run_id=run.pk)
    assert any("COPY seg_load_binary" in q["sql"] for q in captured.captured_queries)
    with brand_context(brand):
        assert PipelineRun.objects.get(pk=run.pk).is_published


@pytest.mark.django_db(transaction=True)
def test_statements_side_by_side_give_the_results_of_one_connection(brand, monkeypatch):
    """Outside a transaction (as in the worker) the rollup reads the order lines beside the orders, the
    models stage reads the published segments and deletes older runs' scores beside it, and the scores
    are written in two halves on two connections: the results are those of one connection."""
    from django.db import transaction

    from customers.models import Order
    from customers.tests.factories import OrderLineFactory
    from segmentation import concurrent
    from tests.factories import ProductFactory

    people = history(brand, HISTORY)
    ring = ProductFactory(brand=brand, category="ring", price=300)
    watch = ProductFactory(brand=brand, category="watch", price=6000)
    with brand_context(brand):
        for order in Order.objects.filter(customer=people["Ada"]):
            OrderLineFactory(brand=brand, order=order, product=ring, total=Decimal("50"))
        OrderLineFactory(
            brand=brand, order=Order.objects.filter(customer=people["Cy"]).first(), product=watch
        )
    threads = []
    original = concurrent.Beside._run

    def counted(self):
        threads.append(self._fn.__name__)
        original(self)

    monkeypatch.setattr(concurrent.Beside, "_run", counted)
    with brand_context(brand):
        probe = PipelineRun.objects.create(
            brand=brand, run_date=OBS, observation_date=OBS, status=RunStatus.FAILED
        )
    side_by_side = pipeline.State(brand=brand, run=probe, observation=OBS)
    pipeline._rollup(side_by_side)
    side_by_side.join_owned()
    one_connection = pipeline.State(brand=brand, run=probe, observation=OBS)
    with transaction.atomic():
        pipeline._rollup(one_connection)
        one_connection.join_owned()
    assert threads == ["_owned"]
    pd.testing.assert_frame_equal(side_by_side.data, one_connection.data)
    ada = side_by_side.data.set_index("customer_id").loc[people["Ada"].pk]
    assert (ada["pieces"], ada["cat_ring"], ada["top_band"]) == (4, 4, 0)

    monkeypatch.setattr(pipeline_write, "SPLIT_WRITE_FROM", 2)
    # Which tables are vacuumed and analysed, and what the scores table then holds of the run.
    refreshed = []
    refresh = sql.refresh_statistics

    def watched(tables):
        with brand_context(brand):
            running = PipelineRun.objects.filter(status=RunStatus.RUNNING).first()
            written = CustomerScore.objects.filter(run=running).count() if running else 0
        refreshed.append((tuple(tables), written, running is not None))
        return refresh(tables)

    monkeypatch.setattr(sql, "refresh_statistics", watched)
    runs = [_run(brand) for _ in range(3)]
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * 3, [run.error for run in runs]
    assert threads.count("write") == 3 and threads.count("_side_work") == 3
    assert runs[2].rows["older_scores_deleted"] == len(people)

    def values(run):
        with brand_context(brand):
            rows = CustomerScore.objects.filter(run=run).order_by("customer_id").values()
            return [{k: v for k, v in row.items() if k not in ("id", "run_id")} for row in rows]

    assert len(values(runs[2])) == len(people)
    assert values(runs[2]) == values(runs[1])
    with brand_context(brand):
        kept = set(CustomerScore.objects.values_list("run_id", flat=True).distinct())
    assert kept == {runs[1].pk, runs[2].pk}
    assert runs[2].summary["migration"] == {
        segment: {segment: count} for segment, count in runs[2].summary["segments"].items()
    }
    # The new scores are vacuumed and analysed once all are written, before the run is published (the
    # aggregates and the segments' refresh then plan on statistics that know the run); after publishing
    # only the memberships are.
    scores_table = CustomerScore._meta.db_table
    assert ((scores_table,), len(people), True) in refreshed
    assert refreshed[-1] == (("segmentation_segmentmember",), 0, False)


@pytest.mark.django_db(transaction=True)
def test_a_failed_read_of_the_orders_also_ends_what_customers_own(brand, monkeypatch):
    """Outside a transaction what customers own waits on its own thread for the orders the summary reads:
    when that read fails, the thread gets the same error instead of waiting for ever, and the rollup
    raises it."""
    import threading

    from django.db import connections

    from segmentation import summary

    history(brand, HISTORY)

    def broken(params):
        raise RuntimeError("the orders could not be read")

    monkeypatch.setattr(summary, "read_orders", broken)
    with brand_context(brand):
        probe = PipelineRun.objects.create(
            brand=brand, run_date=OBS, observation_date=OBS, status=RunStatus.FAILED
        )
    state = pipeline.State(brand=brand, run=probe, observation=OBS)
    raised: list[BaseException] = []

    def rollup():
        try:
            pipeline._rollup(state)
        except BaseException as error:
            raised.append(error)
        finally:
            connections.close_all()

    # On a thread of its own, so that a rollup waiting for ever fails the test instead of hanging it.
    worker = threading.Thread(target=rollup, daemon=True)
    worker.start()
    worker.join(timeout=120)
    if worker.is_alive():  # release the waiting thread (the future it waits on), so the test fails, not hangs
        state.owned._args[-1].__self__.set_exception(RuntimeError("never handed the orders"))
        worker.join(timeout=60)
        pytest.fail("the rollup waited for what customers own, which waited for the orders")
    assert [str(error) for error in raised] == ["the orders could not be read"]
    assert state.owned.done()
    with pytest.raises(RuntimeError, match="could not be read"):
        state.owned.result()
