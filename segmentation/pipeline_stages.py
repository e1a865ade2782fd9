"""The scores and models stages of the nightly pipeline (segmentation.pipeline runs them in order)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings

from segmentation import churn, clusters, clv, rfm
from segmentation.concurrent import release_freed_memory

# --- scores -----------------------------------------------------------------------------------------


def _scores(state: Any) -> None:
    d = state.data
    if not len(d):
        return
    rules = state.rules
    d["r_score"] = rfm.recency_score(d["days_since_last"].to_numpy(), rules["recency_cutoffs"])
    d["f_score"] = rfm.frequency_score(d["n_days"].to_numpy(), rules["frequency_cutoffs"])
    d["m_score"] = rfm.monetary_score(d["spend"].to_numpy(), rules["monetary_cutoffs"])
    d["rfm_segment"] = rfm.assign_segments(
        d["r_score"].to_numpy(), d["f_score"].to_numpy(), rules["segments"]
    )
    hist = clv.historic(
        purchases=d["n_days"].to_numpy(),
        total_spend=d["spend"].to_numpy(),
        tenure_days=d["t"].to_numpy(),
        recency_days=d["recency"].to_numpy(),
    )
    d["average_order_value"] = hist["aov"]
    d["purchases_per_year"] = hist["per_year"]
    d["lifespan_years"] = hist["lifespan"]
    d["clv_historic"] = hist["clv"]
    state.fit["historic"] = {"lifespan_years": round(hist["lifespan"], 3)}
    if (d["frequency"] == 0).all():
        state.notes.append(["all_one_time", {}])


# --- models -----------------------------------------------------------------------------------------


def _models(state: Any) -> None:
    d = state.data
    for column in ("p_alive", "expected_purchases_12m", "clv_12m", "clv_12m_low", "clv_12m_high", "clv_36m"):
        d[column] = np.nan
    d["churn_risk"] = np.nan
    d["value_at_risk"] = np.nan
    d["drivers"] = "[]"
    d["cluster"] = pd.array([pd.NA] * len(d), dtype="Int64")
    d["value_band"] = 0
    if not len(d):
        state.join_owned()
        return
    from threadpoolctl import threadpool_limits

    # OpenMP and BLAS threads: settings.SEGMENTATION_MODEL_THREADS (None: the libraries' default, one per
    # core). On a machine shared with other work, 1 avoids threads spinning against each other.
    with threadpool_limits(limits=getattr(settings, "SEGMENTATION_MODEL_THREADS", None)):
        started = time.perf_counter()
        _predictive_clv(state)
        value = d["clv_12m"].fillna(d["clv_historic"]).to_numpy()
        d["value_band"] = _deciles(value)
        state.timings["models: lifetime value"] = round(time.perf_counter() - started, 3)
        # What customers own, read beside the stages so far, is needed from here on.
        state.join_owned()
        # The clusters and the best-customer profile need nothing of the churn model: computed on a thread
        # of their own beside it (the model's trees and KMeans leave Python's lock while they compute).
        threads = getattr(settings, "SEGMENTATION_MODEL_THREADS", None)
        frame = d[[column for column in clusters.COLUMNS if column in d]]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="segmentation-clusters") as pool:
            pending = pool.submit(_clusters, frame, state.brand.default_currency, threads)
            del frame
            started = time.perf_counter()

            def scoring_threads() -> int | None:
                # Once nothing else of the job runs (the older scores' deletion and the clusters done),
                # scoring every customer uses settings.SEGMENTATION_SCORING_THREADS (0: one per core):
                # with one core idle it took 1.5 s longer at a million customers (ADR 0055).
                side = state.previous_segments
                if not pending.done() or (side is not None and not side.done()):
                    return threads
                return getattr(settings, "SEGMENTATION_SCORING_THREADS", 0) or os.cpu_count()

            try:
                churn.apply(state, scoring_threads=scoring_threads)
            finally:  # on an error, leaving the pool waits for the thread, then raises it
                state.timings["models: churn"] = round(time.perf_counter() - started, 3)
            found = pending.result()
        clusters.assign(state, found)
        state.timings["models: clusters and profile"] = found.seconds
        release_freed_memory()


def _clusters(frame: pd.DataFrame, currency: str, threads: int | None) -> clusters.Clusters:
    from threadpoolctl import threadpool_limits

    # A thread starts with the libraries' default number of threads: the same limit as the models'.
    with threadpool_limits(limits=threads):
        return clusters.compute(frame, currency)


def _deciles(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.array([], dtype=int)
    ranks = pd.Series(values).rank(method="first").to_numpy()
    return np.clip(np.ceil(10 * ranks / len(values)), 1, 10).astype(int)


def _predictive_clv(state: Any) -> None:
    d = state.data
    f, r, t, w, _ = clv.unique_triples(
        d["frequency"].to_numpy(),
        *clv.in_weeks(d["recency"].to_numpy(), d["t"].to_numpy(), frequency=d["frequency"].to_numpy()),
    )
    btyd = None
    for name in ("mbgnbd", "bgnbd"):
        try:
            btyd = clv.fit_btyd(name, f, r, t, w)
            break
        except clv.ModelNotFitted as error:
            state.fit[name] = {"error": str(error)}
    if btyd is None:
        state.notes.append(["btyd_not_fitted", {"reason": state.fit.get("bgnbd", {}).get("error", "")}])
        return
    state.fit["btyd"] = {"model": btyd.name, **btyd.as_json()}
    gamma_gamma = None
    repeat = (d["frequency"] > 0) & (d["monetary_value"] > 0)
    if repeat.sum() >= 2:
        pairs = pd.DataFrame(
            {
                "frequency": d.loc[repeat, "frequency"].to_numpy(),
                "monetary_value": clv.spend_key(d.loc[repeat, "monetary_value"].to_numpy(), customers=len(d)),
            }
        )
        grouped = pairs.value_counts().reset_index()
        try:
            gamma_gamma = clv.fit_gamma_gamma(
                grouped["frequency"].to_numpy(),
                grouped["monetary_value"].to_numpy(),
                grouped["count"].to_numpy(),
            )
            state.fit["gammagamma"] = gamma_gamma.as_json()
        except clv.ModelNotFitted as error:
            state.fit["gammagamma"] = {"error": str(error)}
            state.notes.append(["gamma_gamma_not_fitted", {}])
    fallback = float(d["average_order_value"].median())
    pred = clv.predict(
        btyd,
        gamma_gamma,
        frequency_days=d["frequency"].to_numpy(),
        recency_days=d["recency"].to_numpy(),
        t_days=d["t"].to_numpy(),
        monetary_value=d["monetary_value"].to_numpy(),
        fallback_spend=fallback,
    )
    d["p_alive"] = pred.p_alive
    d["expected_purchases_12m"] = pred.expected_12m
    d["clv_12m"] = pred.clv_12m
    d["clv_12m_low"] = pred.clv_12m_low
    d["clv_12m_high"] = pred.clv_12m_high
    d["clv_36m"] = pred.clv_36m
