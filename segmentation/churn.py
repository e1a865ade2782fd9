"""Churn and next purchase: will the customer buy in the next twelve months?

A gradient-boosting classifier (scikit-learn's HistGradientBoostingClassifier) trained with a time split:
features as of a cut-off two years before the observation date, label = bought in the twelve months after
it; evaluated on the next window (features one year back, label = bought since), next to the baseline of
recency alone. A model that does not beat the baseline's AUC is not used. Scores come from the model
refitted on the latest window, applied to today's features.

Drivers: for each customer, the features that push the risk up the most: each is set in turn to the
brand's typical value (the median) and the drop in risk measured; the two or three largest drops are named
in words (labels.DRIVER_LABELS).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pandas as pd

# Categories of the catalogue in the bit order of the owned masks.
from segmentation.sql import OWNED_CATEGORIES

MIN_ROWS = 40
TRAIN_SAMPLE = 50_000
# The hold-out year is evaluated on at most this many customers (a fixed-seed sample above it): the AUC
# and calibration of 200,000 customers differ from those of a million in the third decimal, and predicting
# the rest cost seconds (docs/adr/0052-nightly-segmentation-in-35-seconds.md).
EVAL_SAMPLE = 200_000
RANDOM_STATE = 7
# The drivers predict the customers again this many at a time.
DRIVER_CHUNK = 200_000
FEATURES = (
    "log_purchases",
    "days_since_last",
    "tenure_days",
    "log_spend",
    "log_aov",
    "gift_share",
    "services",
    "email_ok",
    "sms_ok",
    "relations",
    "event_soon",
    "gift_date_soon",
    "categories",
    "single_category",
    "top_band",
    "price_bands",
    "age",
    "gender_code",
    "family_code",
    "language_code",
    "country_code",
)
# Features a person can be told about, and the driver code each one gives.
DRIVER_FEATURES = {
    "days_since_last": "recency",
    "log_purchases": "frequency",
    "gift_share": "gifts_only",
    "email_ok": "no_consent",
    "services": "no_service",
    "log_spend": "low_spend",
    "categories": "one_category",
}


def _bits(mask: np.ndarray) -> np.ndarray:
    return np.bitwise_count(mask.astype(np.int64)).astype(float)


def _single(mask: np.ndarray) -> np.ndarray:
    """The category's index when exactly one bit is set, else -1."""
    mask = mask.astype(np.int64)
    index = np.log2(np.where(mask > 0, mask, 1)).round().astype(int)
    return np.where(np.bitwise_count(mask) == 1, index, -1).astype(float)


def _codes(series: pd.Series) -> np.ndarray:
    return pd.Series(series).fillna("").astype(str).astype("category").cat.codes.to_numpy()


# The profile's words the model reads as numbers: feature name, column.
CODED = {
    "gender_code": "gender",
    "family_code": "family_situation",
    "language_code": "language",
    "country_code": "country",
}


def profile_codes(data: pd.DataFrame) -> dict[str, np.ndarray]:
    """The profile's words as numbers (CODED), numbered over the whole base: taken row by row for the
    training and hold-out customers, a country is the same number for the model that learns and the model
    that scores (numbered within each sample, a country missing from the training sample shifted the
    numbers of the countries after it)."""
    return {name: _codes(data[column]) for name, column in CODED.items()}


def _relation_date_within(data: pd.DataFrame, at: pd.Timestamp, days: int = 120) -> np.ndarray:
    """A gift recipient's birthday or anniversary (days of the year, "45 310") within `days` of `at`."""
    text = data["relation_days"].fillna("").astype(str)
    soon = np.zeros(len(data), dtype=bool)
    listed = text != ""
    if listed.any():
        exploded = text[listed].str.split().explode().astype(int)
        near = ((exploded - at.day_of_year) % 366) <= days
        hits = near.groupby(level=0).any()
        soon[data.index.get_indexer(hits.index[hits.to_numpy()])] = True
    return soon.astype(float)


def _next_event_within(data: pd.DataFrame, at: pd.Timestamp, days: int = 120) -> np.ndarray:
    soon = np.zeros(len(data), dtype=bool)
    for column in ("birth_date", "wedding_anniversary"):
        dates = pd.to_datetime(data[column])
        day_of_year = dates.dt.day_of_year.to_numpy()
        gap = (day_of_year - at.day_of_year) % 366
        soon |= ~np.isnan(day_of_year) & (gap <= days)
    return soon.astype(float)


def features_at(
    data: pd.DataFrame, *, at: pd.Timestamp, suffix: str, codes: dict[str, np.ndarray] | None = None
) -> pd.DataFrame:
    """Features of every customer as of `at` (suffix "" for today, "_c1"/"_c2" for the cut-offs);
    `codes` are the rows' profile_codes(...) of the whole base (numbered over `data` without them)."""
    if codes is None:
        codes = profile_codes(data)
    cat_mask = data[f"cat_mask{suffix}"].to_numpy()
    band_mask = data[f"band_mask{suffix}"].to_numpy()
    top_band = data[f"top_band{suffix}"].to_numpy(dtype=float)
    if suffix:
        purchases = data[f"n{suffix}"].fillna(0).to_numpy(dtype=float)
        last = pd.to_datetime(data[f"last{suffix}"])
        spend = data[f"spend{suffix}"].fillna(0).to_numpy(dtype=float)
    else:
        purchases = data["n_days"].to_numpy(dtype=float)
        last = pd.to_datetime(data["last_day"])
        spend = data["spend"].to_numpy(dtype=float)
    first = pd.to_datetime(data["first_day"])
    birth = pd.to_datetime(data["birth_date"])
    age = ((at - birth).dt.days / 365.25).to_numpy()
    frame = pd.DataFrame(
        {
            "log_purchases": np.log1p(purchases),
            "days_since_last": (at - last).dt.days.to_numpy(dtype=float),
            "tenure_days": (at - first).dt.days.to_numpy(dtype=float),
            "log_spend": np.log1p(np.maximum(spend, 0)),
            "log_aov": np.log1p(np.maximum(spend, 0) / np.maximum(purchases, 1)),
            "gift_share": data["gift_share"].to_numpy(dtype=float),
            "services": data["services"].to_numpy(dtype=float),
            "email_ok": data["email_ok"].astype(float).to_numpy(),
            "sms_ok": data["sms_ok"].astype(float).to_numpy(),
            "relations": data["relations"].to_numpy(dtype=float),
            "event_soon": _next_event_within(data, at),
            "gift_date_soon": _relation_date_within(data, at),
            "categories": _bits(cat_mask),
            "single_category": _single(cat_mask),
            "top_band": top_band,
            "price_bands": _bits(band_mask),
            "age": np.where(np.isnan(age), -1.0, age),
            **{name: codes[name] for name in CODED},
        }
    )
    return frame


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def _calibration(y: np.ndarray, p: np.ndarray, bins: int = 5) -> list[dict[str, float]]:
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    out = []
    for i in range(bins):
        mask = (p >= edges[i]) & ((p <= edges[i + 1]) if i == bins - 1 else (p < edges[i + 1]))
        if mask.any():
            out.append(
                {
                    "predicted": round(float(p[mask].mean()), 3),
                    "observed": round(float(y[mask].mean()), 3),
                    "customers": int(mask.sum()),
                }
            )
    return out


def _sample(n: int, limit: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.random.default_rng(RANDOM_STATE).choice(n, size=limit, replace=False)


def _model() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    # A fixed number of rounds (no early stopping, so no validation split re-scored every round): the
    # hold-out year is the model's evaluation.
    return HistGradientBoostingClassifier(
        max_iter=40, learning_rate=0.15, random_state=RANDOM_STATE, early_stopping=False
    )


def apply(state: Any, *, scoring_threads: Callable[[], int | None] | None = None) -> None:
    """Fill state.data's churn_risk, value_at_risk and drivers, and state.fit["churn"]. The scoring of
    every customer and the drivers run with `scoring_threads()` OpenMP threads (asked when they start;
    None leaves the number as it is)."""
    d = state.data
    obs = pd.Timestamp(state.observation)
    c1 = obs - pd.Timedelta(days=365)
    c2 = obs - pd.Timedelta(days=730)
    train_rows = (d["n_c2"].fillna(0) > 0).to_numpy()
    test_rows = (d["n_c1"].fillna(0) > 0).to_numpy()
    y_train = (d["n_c2_c1"].fillna(0) > 0).to_numpy()[train_rows].astype(int)
    y_test = (d["n_after_c1"].fillna(0) > 0).to_numpy()[test_rows].astype(int)
    if (
        train_rows.sum() < MIN_ROWS
        or test_rows.sum() < MIN_ROWS
        or len(set(y_train)) < 2
        or len(set(y_test)) < 2
    ):
        state.fit["churn"] = {"used": False, "reason": "not_enough_history"}
        state.notes.append(["churn_not_enough_history", {}])
        return
    # Features of the sampled training customers only (the model never sees the others).
    sample = _sample(int(train_rows.sum()), TRAIN_SAMPLE)
    codes = profile_codes(d)
    # Rows taken by position (a boolean selection first copied every column of most customers).
    rows = np.flatnonzero(train_rows)[sample]
    x_train = features_at(d.iloc[rows], at=c2, suffix="_c2", codes={k: v[rows] for k, v in codes.items()})
    evaluated = np.sort(_sample(int(test_rows.sum()), EVAL_SAMPLE))
    if len(set(y_test[evaluated])) < 2:  # a sample without buyers (or without lapsed): all of them
        evaluated = np.arange(int(test_rows.sum()))
    rows = np.flatnonzero(test_rows)[evaluated]
    x_test = features_at(d.iloc[rows], at=c1, suffix="_c1", codes={k: v[rows] for k, v in codes.items()})
    y_test = y_test[evaluated]
    model = _model().fit(x_train, y_train[sample])
    p_test = model.predict_proba(x_test)[:, 1]
    auc_model = _auc(y_test, p_test)
    auc_baseline = _auc(y_test, -x_test["days_since_last"].to_numpy())
    brier = float(np.mean((p_test - y_test) ** 2))
    result = {
        "auc": round(auc_model, 4),
        "baseline_auc": round(auc_baseline, 4),
        "brier": round(brier, 4),
        "calibration": _calibration(y_test, p_test),
        "train_customers": int(train_rows.sum()),
        "test_customers": int(test_rows.sum()),
        "evaluated_customers": len(evaluated),
        "buy_rate_test": round(float(y_test.mean()), 4),
    }
    if auc_model <= auc_baseline:
        state.fit["churn"] = {**result, "used": False, "reason": "not_better_than_recency"}
        state.notes.append(["churn_not_better", {"auc": result["auc"], "baseline": result["baseline_auc"]}])
        return
    # Refit on the latest complete window, then score today's features.
    sample = _sample(len(x_test), TRAIN_SAMPLE)
    final = _model().fit(x_test.iloc[sample], y_test[sample])
    x_now = features_at(d, at=obs, suffix="", codes=codes)
    with _threads(scoring_threads):
        buy = final.predict_proba(x_now)[:, 1]
        risk = 1.0 - buy
        d["churn_risk"] = risk
        value = d["clv_12m"].fillna(d["average_order_value"]).to_numpy()
        d["value_at_risk"] = risk * value
        d["drivers"] = _drivers(final, x_now, risk, d)
    state.fit["churn"] = {**result, "used": True}


def _threads(scoring_threads: Callable[[], int | None] | None) -> AbstractContextManager[Any]:
    threads = scoring_threads() if scoring_threads is not None else None
    if threads is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="openmp")


def _features_split_on(model: Any, columns: list[str]) -> set[str]:
    """The features some tree of the fitted gradient-boosting model splits on (its other features
    cannot change any prediction); every feature for a model that is not made of such trees."""
    if not hasattr(model, "_predictors"):
        return set(columns)
    used: set[str] = set()
    for predictors in model._predictors:  # one list of trees per boosting iteration
        for predictor in predictors:
            nodes = predictor.nodes
            used.update(columns[i] for i in np.unique(nodes["feature_idx"][nodes["is_leaf"] == 0]))
    return used


def _drivers(model: Any, x_now: pd.DataFrame, risk: np.ndarray, d: pd.DataFrame) -> pd.Series:
    effects = {}
    # One float matrix of today's features; each driver changes a copy of the rows it concerns (a frame
    # of mixed column types was copied, then converted again by the model, for every driver).
    matrix_now = x_now.to_numpy(dtype=np.float64)
    position = {name: i for i, name in enumerate(x_now.columns)}
    # A driver whose features no tree splits on changes no prediction: its effect is exactly zero, and
    # its million predictions are skipped (a brand whose consents or services are all alike).
    split_on = _features_split_on(model, list(x_now.columns))
    for column, code in DRIVER_FEATURES.items():
        values = x_now[column].to_numpy()
        if code == "one_category":
            # Owning a second category: said only of customers who own exactly one.
            concerned = values == 1
            changes = {column: 2.0, "single_category": -1.0}
        else:
            typical = float(np.median(values))
            if code in ("gifts_only",):
                typical = 0.0
            if code in ("no_consent",):
                typical = 1.0
            concerned = values != typical
            changes = {column: typical}
        # Only the customers the driver concerns are predicted again (a million rows cost seconds each).
        effect = np.zeros(len(x_now))
        rows = np.flatnonzero(concerned)
        if len(rows) and split_on & set(changes):
            # A block of rows at a time: the changed copies stay some tens of megabytes.
            for part in np.array_split(rows, -(-len(rows) // DRIVER_CHUNK)):
                block = matrix_now[part]
                for name, value in changes.items():
                    block[:, position[name]] = value
                changed = pd.DataFrame(block, columns=x_now.columns, copy=False)
                effect[part] = risk[part] - (1.0 - model.predict_proba(changed)[:, 1])
        effects[code] = effect
    codes = list(effects)
    matrix = np.column_stack([effects[c] for c in codes])
    order = np.argsort(-matrix, axis=1)[:, :3]
    strength = np.take_along_axis(matrix, order, axis=1)
    # -1: no driver in that place (its effect, or one before it, is too small to mention).
    picked = np.where(np.cumprod(strength > 0.01, axis=1).astype(bool), order, -1)
    months = (d["days_since_last"].to_numpy() / 30.44).round().astype(int)
    purchases = d["n_days"].to_numpy().astype(int)
    category = x_now["single_category"].to_numpy().astype(int)
    recency_j, frequency_j = codes.index("recency"), codes.index("frequency")
    category_j = codes.index("one_category")
    has_recency = (picked == recency_j).any(axis=1)
    has_frequency = (picked == frequency_j).any(axis=1)
    has_category = (picked == category_j).any(axis=1)
    columns = (
        picked[:, 0],
        picked[:, 1],
        picked[:, 2],
        np.where(has_recency, months, -1),
        np.where(has_frequency, purchases, -1),
        np.where(has_category, category, -1),
    )
    # The words are built once per distinct combination (a few thousand at most), then spread back: the
    # combinations are numbered by one integer key of the six columns (each shifted to start at 0).
    stacked = np.column_stack(columns).astype(np.int64) + 1
    radices = [int(stacked[:, j].max(initial=0)) + 1 for j in range(stacked.shape[1])]
    if np.prod([float(r) for r in radices]) < 2.0**62:
        key = np.zeros(len(stacked), dtype=np.int64)
        for j, radix in enumerate(radices):
            key = key * radix + stacked[:, j]
        _unique_keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:  # counts too large for one integer key
        _unique_rows, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    texts = []
    for a, b, c, month_count, purchase_count, category_index in stacked[first] - 1:
        found = []
        for j in (a, b, c):
            if j < 0:
                break
            code = codes[j]
            if code == "recency":
                found.append([code, {"months": int(month_count)}])
            elif code == "frequency":
                found.append([code, {"purchases": int(purchase_count)}])
            elif code == "one_category":
                found.append([code, {"category": OWNED_CATEGORIES[int(category_index)]}])
            else:
                found.append([code, {}])
        texts.append(json.dumps(found, separators=(",", ":")))
    words = np.array(texts, dtype=object)[inverse.ravel()]
    return pd.Series(words, index=d.index)
