"""Merged and erased customers, a model that does not converge, churn and clusters on a longer history."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from segmentation import clv, labels
from segmentation.models import CustomerScore, RunStatus
from segmentation.tests.factories import history
from segmentation.tests.test_pipeline import HISTORY, _run

pytestmark = pytest.mark.django_db


def test_merged_and_erased_customers_are_not_scored(brand):
    people = history(brand, HISTORY)
    survivor = CustomerFactory(brand=brand)
    with brand_context(brand):
        from customers.models import Customer

        Customer.objects.filter(pk=people["Bea"].pk).update(merged_into=survivor)
        Customer.objects.filter(pk=people["Cy"].pk).update(is_pseudonymised=True)
    run = _run(brand)
    with brand_context(brand):
        scored = set(CustomerScore.objects.filter(run=run).values_list("customer_id", flat=True))
    assert scored == {people["Ada"].pk}


def test_a_model_that_does_not_converge_falls_back_then_says_so(brand, monkeypatch):
    history(brand, HISTORY)
    tried = []

    def never(name, *args, **kwargs):
        tried.append(name)
        raise clv.ModelNotFitted("no_convergence")

    monkeypatch.setattr(clv, "fit_btyd", never)
    run = _run(brand)
    assert run.status == RunStatus.SUCCEEDED
    assert tried == ["mbgnbd", "bgnbd"]
    assert ["btyd_not_fitted", {"reason": "no_convergence"}] in run.notes
    assert labels.note_text("btyd_not_fitted", {"reason": "no_convergence"}) == (
        "The lifetime value model could not be fitted (the fit did not converge): predicted value is not "
        "shown, historic value is."
    )
    with brand_context(brand):
        assert list(CustomerScore.objects.filter(run=run).values_list("clv_12m", flat=True)) == [None] * 3


def test_churn_and_clusters_on_three_years_of_purchases(brand):
    rng = random.Random(5)
    start = date(2023, 4, 1)
    purchases = {}
    for i in range(160):
        loyal = i % 3 == 0
        days = sorted(rng.sample(range(0, 1090), 6 if loyal else rng.choice((1, 1, 2))))
        if loyal and i % 2:
            days = [d for d in days if d < 500]  # gone quiet
        purchases[f"C{i}"] = [
            ((start + timedelta(days=d)).isoformat(), str(200 + 10 * (i % 40))) for d in days
        ]
    history(brand, purchases)
    run = _run(brand)
    assert run.status == RunStatus.SUCCEEDED, run.error
    churn = run.fit["churn"]
    assert churn["train_customers"] > 40 and churn["test_customers"] > 40
    assert 0.0 <= churn["auc"] <= 1.0 and 0.0 <= churn["baseline_auc"] <= 1.0
    assert churn["used"] == (churn["auc"] > churn["baseline_auc"])
    assert sum(b["customers"] for b in churn["calibration"]) == churn["test_customers"]
    with brand_context(brand):
        scores = list(CustomerScore.objects.filter(run=run))
    if churn["used"]:
        assert all(s.churn_risk is not None and 0 <= s.churn_risk <= 1 for s in scores)
        worded = [
            labels.driver_text(code, params)
            for s in scores
            for code, params in json.loads(json.dumps(s.drivers))
        ]
        assert worded and all(isinstance(w, str) and w for w in worded)
    else:
        assert ["churn_not_better", {"auc": churn["auc"], "baseline": churn["baseline_auc"]}] in run.notes
        assert all(s.churn_risk is None for s in scores)
    clusters = run.summary["clusters"]
    assert [c["number"] for c in clusters] == [1, 2, 3, 4, 5]
    assert sum(c["customers"] for c in clusters) == len(scores)
    assert clusters[0]["median_spend"] >= clusters[-1]["median_spend"]
    assert {s.cluster for s in scores} == {1, 2, 3, 4, 5}
    profile = run.summary["profile"]
    assert profile["top_customers"] + profile["rest_customers"] == len(scores)
    assert sorted(s.value_band for s in scores)[-1] == 10


def test_driver_words():
    assert labels.driver_text("recency", {"months": 26}) == "no purchase for 26 months"
    assert labels.driver_text("frequency", {"purchases": 1}) == "only 1 purchase"
    assert labels.driver_text("gifts_only", {}) == "only ever bought gifts"
