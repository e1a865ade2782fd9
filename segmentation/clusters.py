"""Clusters and the best-customer profile.

KMeans (scikit-learn, small n_init) on log-scaled behaviour (purchases, spend, months since the last
purchase, tenure, share of gifts, services) and profile (age) features, standardised; fitted on a sample,
applied to all. Each cluster is described from its medians and dominant values (labels.describe_cluster).
The profile of the top lifetime-value decile is set against the rest of the base.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

N_CLUSTERS = 5
FIT_SAMPLE = 100_000
RANDOM_STATE = 11


def _matrix(d: pd.DataFrame) -> np.ndarray:
    birth = pd.to_datetime(d["birth_date"])
    age = ((pd.Timestamp.today() - birth).dt.days / 365.25).to_numpy()
    age = np.where(np.isnan(age), np.nanmedian(age) if np.isfinite(age).any() else 45.0, age)
    columns = [
        np.log1p(d["n_days"].to_numpy(dtype=float)),
        np.log1p(np.maximum(d["spend"].to_numpy(dtype=float), 0)),
        np.log1p(d["days_since_last"].to_numpy(dtype=float)),
        np.log1p(d["t"].to_numpy(dtype=float)),
        d["gift_share"].to_numpy(dtype=float),
        np.log1p(d["services"].to_numpy(dtype=float)),
        age / 10.0,
    ]
    x = np.column_stack(columns)
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def _dominant(series: pd.Series) -> tuple[str, float]:
    values = series.fillna("").astype(str)
    values = values[values != ""]
    if values.empty:
        return "", 0.0
    counts = values.value_counts(normalize=True)
    return str(counts.index[0]), round(float(counts.iloc[0]), 3)


def _age_band(age: float) -> str:
    if not np.isfinite(age):
        return ""
    for low, high in ((18, 25), (25, 35), (35, 50), (50, 65)):
        if age < high:
            return f"{low}-{high - 1}" if age >= low else f"<{high}"
    return "65+"


def _age_bands(ages: np.ndarray) -> np.ndarray:
    """_age_band of every age at once (a Python call per customer cost a second per million)."""
    ages = np.asarray(ages, dtype=float)
    finite = np.isfinite(ages)
    safe = np.where(finite, ages, 0.0)
    return np.select(
        [~finite, safe < 18, safe < 25, safe < 35, safe < 50, safe < 65],
        ["", "<25", "18-24", "25-34", "35-49", "50-64"],
        default="65+",
    ).astype(object)


# The columns describe() reads.
DESCRIBED = (
    "birth_date",
    "gender",
    "family_situation",
    "country",
    "n_days",
    "spend",
    "days_since_last",
    "gift_share",
)


def describe(frame: pd.DataFrame, currency: str) -> dict[str, Any]:
    birth = pd.to_datetime(frame["birth_date"])
    ages = ((pd.Timestamp.today() - birth).dt.days / 365.25).dropna()
    gender, gender_share = _dominant(frame["gender"])
    family, family_share = _dominant(frame["family_situation"])
    country, country_share = _dominant(frame["country"])
    return {
        "customers": len(frame),
        "median_purchases": float(frame["n_days"].median()),
        "median_spend": round(float(frame["spend"].median()), 2),
        "median_months_since_last": round(float(frame["days_since_last"].median()) / 30.44, 1),
        "gift_share": round(float(frame["gift_share"].mean()), 3),
        "age_band": _age_band(float(ages.median())) if len(ages) else "",
        "gender": gender,
        "gender_share": gender_share,
        "family": family,
        "family_share": family_share,
        "country": country,
        "country_share": country_share,
        "currency": currency,
    }


def _words(series: pd.Series) -> pd.Series:
    """A dimension's values as words, "unknown" for a missing or empty one."""
    return series.fillna("").astype(str).replace("", "unknown")


def _shares(series: pd.Series, top: int = 5) -> dict[str, float]:
    """The `top` most frequent of _words(...) values and their shares."""
    return {k: round(float(v), 3) for k, v in series.value_counts(normalize=True).head(top).items()}


def best_customer_profile(d: pd.DataFrame) -> dict[str, Any]:
    """Shares of each value among the top lifetime-value decile and among the rest."""
    top = d["value_band"] == 10
    birth = pd.to_datetime(d["birth_date"])
    ages = pd.Series(_age_bands(((pd.Timestamp.today() - birth).dt.days / 365.25).to_numpy()), index=d.index)
    aov = d["average_order_value"]
    average_order = pd.cut(
        aov, bins=[-1, 500, 2000, 10000, np.inf], labels=["<500", "500-2000", "2000-10000", "10000+"]
    )
    occasion = np.where(d["gift_share"] >= 0.5, "gift", np.where(d["registrations"] > 0, "self", "unknown"))
    # The highest price band of the pieces bought ("band_2": the brand's third band), the category with
    # the most pieces (bought or registered), the channel with the most pieces bought.
    top_band = d["top_band"].to_numpy() if "top_band" in d else np.full(len(d), -1)
    price_band = np.where(top_band >= 0, np.char.add("band_", top_band.astype(str)), "unknown")
    dims = {
        "age_band": ages,
        "gender": d["gender"],
        "family": d["family_situation"],
        "country": d["country"],
        "city": d["city"],
        "occasion": pd.Series(occasion, index=d.index),
        "category": d["main_category"] if "main_category" in d else pd.Series("", index=d.index),
        "price_band": pd.Series(price_band, index=d.index),
        "channel": d["main_channel"] if "main_channel" in d else pd.Series("", index=d.index),
        "average_order": average_order.astype(str),
    }
    return {
        "top_customers": int(top.sum()),
        "rest_customers": int((~top).sum()),
        # Each dimension put in words once, then split (not once for each side).
        "dimensions": {
            name: {"top": _shares(words[top]), "rest": _shares(words[~top])}
            for name, words in ((name, _words(series)) for name, series in dims.items())
        },
    }


# The columns the clusters and the profile read: compute() is given these only (it runs on a thread of its
# own beside the churn model, which adds columns to the customers' frame meanwhile).
COLUMNS = (
    *DESCRIBED,
    "value_band",
    "average_order_value",
    "registrations",
    "top_band",
    "main_category",
    "main_channel",
    "city",
    "t",
    "services",
)


@dataclass
class Clusters:
    """What compute() found: the best-customer profile, each customer's cluster (1 the most valuable;
    None with too few customers) and each cluster's description."""

    profile: dict[str, Any]
    labels: np.ndarray | None = None
    described: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def compute(d: pd.DataFrame, currency: str) -> Clusters:
    """The profile and the clusters of the customers in `d` (columns COLUMNS, or some of them: the
    optional ones of what customers own); reads nothing else and changes nothing."""
    from sklearn.cluster import KMeans

    started = time.perf_counter()
    found = Clusters(profile=best_customer_profile(d))
    k = min(N_CLUSTERS, len(d) // 10)
    if k >= 2:
        x = _matrix(d)
        rng = np.random.default_rng(RANDOM_STATE)
        sample = rng.choice(len(x), size=min(len(x), FIT_SAMPLE), replace=False)
        model = KMeans(n_clusters=k, n_init=3, random_state=RANDOM_STATE).fit(x[sample])
        labels = model.predict(x)
        # Number clusters by median spend, highest first, so cluster 1 is always the most valuable.
        spend = pd.Series(d["spend"].to_numpy()).groupby(labels).median().sort_values(ascending=False)
        renumber = np.zeros(k, dtype=np.int64)
        for new, old in enumerate(spend.index):
            renumber[old] = new + 1
        found.labels = renumber[labels]
        # Only the columns a description reads are selected per cluster (not a copy of every column).
        described = d[list(DESCRIBED)]
        found.described = [
            {"number": n, **describe(described[found.labels == n], currency)} for n in range(1, k + 1)
        ]
    found.seconds = round(time.perf_counter() - started, 3)
    return found


def assign(state: Any, found: Clusters) -> None:
    """compute()'s result into the run: the profile and the clusters in its summary, each customer's
    cluster in its frame."""
    state.summary["profile"] = found.profile
    if found.labels is None:
        state.notes.append(["clusters_too_few", {}])
        return
    state.data["cluster"] = pd.array(found.labels, dtype="Int64")
    state.summary["clusters"] = found.described
