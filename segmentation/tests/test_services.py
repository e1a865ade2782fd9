"""The whole nightly run as seed_demo and the worker start it, on whichever engine the suite runs on.

bin/test-citus runs this file (it takes every `test_services*` module) on the three-node Citus cluster,
so the Citus read path (COPY out of router queries) and write path (INSERT … VALUES) are exercised with
consents, relations and three years of purchases: the churn model runs, not only its "not enough
history" branch.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from customers.tests.factories import ConsentFactory, CustomerFactory, RelationFactory
from jewelcrm.tenancy.context import brand_context
from segmentation import pipeline, services, sql
from segmentation.models import CustomerScore, PipelineRun, RunStatus
from segmentation.tests.factories import history

pytestmark = pytest.mark.django_db

OBS = date(2026, 3, 31)


def _three_years(brand, count: int = 120) -> dict:
    rng = random.Random(5)
    start = date(2023, 4, 1)
    purchases = {}
    for i in range(count):
        loyal = i % 3 == 0
        days = sorted(rng.sample(range(0, 1090), 6 if loyal else rng.choice((1, 1, 2))))
        if loyal and i % 2:
            days = [d for d in days if d < 500]  # gone quiet
        purchases[f"C{i}"] = [
            ((start + timedelta(days=d)).isoformat(), str(200 + 10 * (i % 40))) for d in days
        ]
    return history(brand, purchases)


def test_the_whole_run_with_consents_and_relations(brand):
    people = _three_years(brand)
    names = sorted(people)
    # Consents of both kinds (granted and confirmed, withdrawn) and relations: booleans and counts come
    # back from the database for most customers.
    for i, name in enumerate(names):
        if i % 4 == 0:
            ConsentFactory(brand=brand, customer=people[name], is_granted=True, is_confirmed=True)
        elif i % 4 == 1:
            ConsentFactory(brand=brand, customer=people[name], is_granted=False, is_confirmed=True)
        if i % 5 == 0:
            RelationFactory(brand=brand, customer=people[name])
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=OBS)
    run = pipeline.run_execute(brand=brand, run_id=run.pk)

    assert run.status == RunStatus.SUCCEEDED, run.error
    with brand_context(brand):
        assert sql.is_citus() == (run.rows["write_path"] == "values")
        scores = {s.customer_id: s for s in CustomerScore.objects.filter(run=run)}
        published = PipelineRun.objects.get(is_published=True)
    assert published.pk == run.pk
    assert len(scores) == len(people) == run.rows["customers"] == run.rows["scores_written"] == 120
    churn = run.fit["churn"]
    assert "reason" not in churn or churn["reason"] != "not_enough_history"
    assert churn["train_customers"] > 40 and churn["test_customers"] > 40
    assert sum(b["customers"] for b in churn["calibration"]) == churn["test_customers"]
    assert [c["number"] for c in run.summary["clusters"]] == [1, 2, 3, 4, 5]
    assert set(run.timings) >= {"rollup", "features", "scores", "models", "write_back"}


def test_booleans_and_text_come_back_typed(brand):
    """copy_out reads each column with the query's type: a boolean is a boolean (not 't'), the
    country code NA (Namibia) and the word null stay text, SQL NULL is missing."""
    customer = CustomerFactory(brand=brand, country="NA", city="null")
    other = CustomerFactory(brand=brand, country="FR", city="")
    ConsentFactory(brand=brand, customer=customer, is_granted=True, is_confirmed=True)
    with brand_context(brand):
        frame = sql.copy_out(
            """
            SELECT c.id, c.country, c.city, NULLIF(c.city, '') AS city_or_null,
                   EXISTS (SELECT 1 FROM customers_consent k WHERE k.brand_id = c.brand_id
                           AND k.customer_id = c.id AND k.is_granted) AS consents,
                   CASE WHEN c.id = %(other)s THEN NULL ELSE true END AS maybe
            FROM customers_customer c WHERE c.brand_id = %(brand_id)s ORDER BY c.id
            """,
            {"brand_id": brand.pk, "other": other.pk},
        )
    assert str(frame["consents"].dtype) == "boolean"
    assert frame["consents"].tolist() == [True, False]
    assert frame["maybe"].isna().tolist() == [False, True]
    assert frame["country"].tolist() == ["NA", "FR"]
    assert frame.loc[0, "city"] == "null"
    assert frame["city_or_null"].isna().tolist() == [False, True]
    # The churn model's input: a boolean turns into 1.0 / 0.0.
    assert frame["consents"].astype(float).tolist() == [1.0, 0.0]


def test_the_demo_stops_when_its_run_fails(brand, monkeypatch):
    from types import SimpleNamespace

    from segmentation import demo

    history(brand, {"Ada": [("2025-01-10", "100"), ("2025-06-01", "300")]})

    def boom(state):
        raise ValueError("could not convert string to float: 't'")

    monkeypatch.setattr(pipeline, "_models", boom)
    with brand_context(brand), pytest.raises(demo.DemoRunFailed, match="could not convert string to float"):
        demo.seed(SimpleNamespace(brand=brand, shared={}))
    monkeypatch.undo()
    ctx = SimpleNamespace(brand=brand, shared={})
    with brand_context(brand):
        demo.seed(ctx)
        assert PipelineRun.objects.get(pk=ctx.shared["segmentation_run"]).status == RunStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_statistics_are_refreshed_after_publishing(brand):
    """Outside a transaction (as in the worker), the run ends with VACUUM ANALYZE of the scores and
    memberships, as their owner: the pages read fresh rows through the right indexes."""
    from django.db import connection

    history(brand, {"Ada": [("2025-01-10", "100"), ("2025-06-01", "300")]})
    with brand_context(brand):
        run = services.run_request(brand=brand)
    run = pipeline.run_execute(brand=brand, run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert "after publishing: table statistics" in run.timings
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname = 'segmentation_customerscore'"
        )
        assert cursor.fetchone() == (True, True)
