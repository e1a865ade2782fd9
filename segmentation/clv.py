"""Lifetime value: historic (three factors a marketer can check) and predictive (buy-till-you-die).

Predictive: the modified BG/NBD model (MBG/NBD: a customer may also drop out right after the first
purchase, so the many one-time gift buyers are not all assumed alive) for the number of future purchases
and the probability of being alive, with Gamma-Gamma for the value of a purchase, both from `lifetimes`
(docs/adr/0020-lifetime-value-with-lifetimes.md). BG/NBD is fitted when MBG/NBD does not converge.

Fits run on the unique (frequency, recency, T) triples with their counts as weights, never on a million
rows; predictions are computed per unique triple and spread back. Time is in weeks (days / 7) inside the
models, the unit of the published parameters.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

WEEKS_12M = 365.25 / 7
WEEKS_36M = 3 * 365.25 / 7
RANGE_QUANTILES = (0.1, 0.9)


class ModelNotFitted(Exception):
    """The model could not be fitted (too little data, or the optimiser did not converge)."""


@dataclass
class FitResult:
    name: str
    params: dict[str, float]
    log_likelihood: float
    customers: int
    unique_rows: int
    fitter: Any = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "params": {k: round(v, 6) for k, v in self.params.items()},
            "log_likelihood": round(self.log_likelihood, 3),
            "customers": self.customers,
            "unique_rows": self.unique_rows,
        }


def _fitters() -> dict[str, Any]:
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter

    return {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter, "gammagamma": GammaGammaFitter}


# Above this many customers, recency and T are counted on a grid of whole weeks (not days / 7) before the
# histories are made unique: one week, else two, else four, the finest whose unique (frequency, recency,
# T) histories stay within TARGET_UNIQUE. A million customers then fit as some ten thousand weighted rows
# instead of a hundred thousand (the fit's time grows with the rows), and a prediction moves by at most
# half a grid step of history (two weeks at most, over years of tenure). Parameters stay in weeks.
EXACT_LIMIT = 50_000
TARGET_UNIQUE = 20_000
GRID_WEEKS = (1, 2, 4)


def _unique_count(frequency: np.ndarray, recency: np.ndarray, t: np.ndarray) -> int:
    key = (
        np.asarray(frequency, dtype=np.int64) * (1 << 40)
        + np.asarray(recency, dtype=np.int64) * (1 << 20)
        + np.asarray(t, dtype=np.int64)
    )
    return len(pd.unique(key))  # hashed: no sort of a million keys


def in_weeks(
    recency_days: np.ndarray, t_days: np.ndarray, frequency: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    recency = np.asarray(recency_days, dtype=float) / 7.0
    t = np.asarray(t_days, dtype=float) / 7.0
    if len(t) <= EXACT_LIMIT:
        return recency, t
    for step in GRID_WEEKS:
        on_grid_r = np.round(recency / step) * step
        on_grid_t = np.round(t / step) * step
        if (
            frequency is None
            or step == GRID_WEEKS[-1]
            or _unique_count(frequency, on_grid_r, on_grid_t) <= TARGET_UNIQUE
        ):
            return on_grid_r, on_grid_t
    raise AssertionError("unreachable")  # pragma: no cover


def spend_key(monetary_value: np.ndarray, *, customers: int) -> np.ndarray:
    """Average repeat spend as Gamma-Gamma is fitted on it: to the cent, or above EXACT_LIMIT customers
    to three significant digits (1,234.56 → 1,230: within 0.5 %), so the unique (frequency, spend) pairs
    are a few thousand."""
    values = np.asarray(monetary_value, dtype=float)
    if customers <= EXACT_LIMIT:
        return np.round(values, 2)
    positive = np.where(values > 0, values, 1.0)
    scale = 10.0 ** (np.floor(np.log10(positive)) - 2)
    return np.where(values > 0, np.round(values / scale) * scale, values)


def unique_triples(frequency: np.ndarray, recency: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """(frequency, recency, T, weights, inverse): the unique triples, their counts and the map back."""
    columns = [np.asarray(column, dtype=float).reshape(-1) for column in (frequency, recency, t)]
    if len(columns[0]) == 0:
        empty = np.array([], dtype=float)
        return empty, empty, empty, empty, np.array([], dtype=np.intp)
    # Each column ranked among its own distinct values, the ranks combined into one integer key: sorting
    # the keys sorts the rows lexicographically, as np.unique(axis=0) does, in a fraction of its time
    # (seconds per million rows).
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        distinct, rank = np.unique(column, return_inverse=True)
        key = key * len(distinct) + rank.reshape(-1)
    _keys, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return (
        columns[0][first],
        columns[1][first],
        columns[2][first],
        counts.astype(float),
        inverse.reshape(-1),
    )


def fit_btyd(
    name: str, frequency: np.ndarray, recency: np.ndarray, t: np.ndarray, weights: np.ndarray | None = None
) -> FitResult:
    """Fit BG/NBD ("bgnbd") or MBG/NBD ("mbgnbd") on (already unique, weighted) rows in weeks."""
    frequency = np.asarray(frequency, dtype=float)
    recency = np.asarray(recency, dtype=float)
    t = np.asarray(t, dtype=float)
    weights = np.ones_like(frequency) if weights is None else np.asarray(weights, dtype=float)
    if len(frequency) == 0 or float(weights[frequency > 0].sum()) == 0:
        raise ModelNotFitted("no_repeat_purchases")
    cls = _fitters()[name]
    fitter = cls(penalizer_coef=0.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitter.fit(frequency, recency, t, weights=weights)
    except Exception as error:  # the optimiser raises ConvergenceError or numerical errors
        raise ModelNotFitted("no_convergence") from error
    params = {k: float(v) for k, v in fitter.params_.items()}
    if not all(math.isfinite(v) and v > 0 for v in params.values()):
        raise ModelNotFitted("no_convergence")
    log_params = np.log([params[k] for k in ("r", "alpha", "a", "b")])
    nll = cls._negative_log_likelihood(log_params, frequency, recency, t, weights, 0.0)
    return FitResult(
        name=name,
        params=params,
        log_likelihood=float(-nll * weights.sum()),
        customers=int(weights.sum()),
        unique_rows=len(frequency),
        fitter=fitter,
    )


def fit_gamma_gamma(
    frequency: np.ndarray, monetary_value: np.ndarray, weights: np.ndarray | None = None
) -> FitResult:
    """Gamma-Gamma on repeat buyers (frequency > 0, positive spend)."""
    frequency = np.asarray(frequency, dtype=float)
    monetary_value = np.asarray(monetary_value, dtype=float)
    weights = np.ones_like(frequency) if weights is None else np.asarray(weights, dtype=float)
    keep = (frequency > 0) & (monetary_value > 0)
    if keep.sum() < 2:
        raise ModelNotFitted("no_repeat_purchases")
    cls = _fitters()["gammagamma"]
    fitter = cls(penalizer_coef=0.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitter.fit(frequency[keep], monetary_value[keep], weights=weights[keep])
    except Exception as error:
        raise ModelNotFitted("no_convergence") from error
    params = {k: float(v) for k, v in fitter.params_.items()}
    if not all(math.isfinite(v) and v > 0 for v in params.values()):
        raise ModelNotFitted("no_convergence")
    log_params = np.log([params[k] for k in ("p", "q", "v")])
    nll = cls._negative_log_likelihood(log_params, frequency[keep], monetary_value[keep], weights[keep], 0.0)
    return FitResult(
        name="gammagamma",
        params=params,
        log_likelihood=float(-nll * weights[keep].sum()),
        customers=int(weights[keep].sum()),
        unique_rows=int(keep.sum()),
        fitter=fitter,
    )


def summary_from_transactions(
    transactions: pd.DataFrame, *, observation_end: Any, unit_days: float = 1.0
) -> pd.DataFrame:
    """The BTYD summary (frequency, recency, T, monetary_value) of `customer_id,date,amount` rows up to
    and including `observation_end`, purchases of one day summed, as lifetimes' own function computes it."""
    end = pd.Timestamp(observation_end)
    frame = transactions[transactions["date"] <= end].copy()
    frame["day"] = frame["date"].dt.normalize()
    days = frame.groupby(["customer_id", "day"], sort=True)["amount"].sum().reset_index()
    grouped = days.groupby("customer_id", sort=True)
    first = grouped["day"].min()
    last = grouped["day"].max()
    count = grouped["day"].count()
    total = grouped["amount"].sum()
    first_amount = grouped["amount"].first()
    frequency = count - 1
    repeat_total = total - first_amount
    monetary = (repeat_total / frequency.where(frequency > 0)).fillna(0.0)
    return pd.DataFrame(
        {
            "frequency": frequency.astype(float),
            "recency": (last - first).dt.days / unit_days,
            "T": (end - first).dt.days / unit_days,
            "monetary_value": monetary,
        }
    )


def fit_all(summary: pd.DataFrame) -> dict[str, Any]:
    """What `clv_fit` prints: every model's parameters and log-likelihood (or why it was not fitted)."""
    f, r, t, w, _inverse = unique_triples(
        summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["T"].to_numpy()
    )
    out: dict[str, Any] = {"customers": len(summary)}
    for name in ("bgnbd", "mbgnbd"):
        try:
            out[name] = fit_btyd(name, f, r, t, w).as_json()
        except ModelNotFitted as error:
            out[name] = {"error": str(error)}
    try:
        out["gammagamma"] = fit_gamma_gamma(
            summary["frequency"].to_numpy(), summary["monetary_value"].to_numpy()
        ).as_json()
    except ModelNotFitted as error:
        out["gammagamma"] = {"error": str(error)}
    return out


@dataclass
class Predictions:
    p_alive: np.ndarray
    expected_12m: np.ndarray
    clv_12m: np.ndarray
    clv_12m_low: np.ndarray
    clv_12m_high: np.ndarray
    clv_36m: np.ndarray


def predict(
    btyd: FitResult,
    gamma_gamma: FitResult | None,
    *,
    frequency_days: np.ndarray,
    recency_days: np.ndarray,
    t_days: np.ndarray,
    monetary_value: np.ndarray,
    fallback_spend: float,
) -> Predictions:
    """Per customer: probability alive, expected purchases and value over 12 and 36 months, and an 80 %
    range of the 12-month value (the purchase count as a Poisson variable around its expectation).
    Computed once per unique triple."""
    from scipy.stats import poisson

    f, r, t, _w, inverse = unique_triples(
        frequency_days, *in_weeks(recency_days, t_days, frequency=frequency_days)
    )
    fitter = btyd.fitter
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alive = np.asarray(fitter.conditional_probability_alive(f, r, t), dtype=float)
        e12 = np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(WEEKS_12M, f, r, t))
        e36 = np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(WEEKS_36M, f, r, t))
    # The library's hypergeometric terms overflow for extreme histories (hundreds of purchase days):
    # those customers get no prediction (NaN, shown as missing) rather than an infinite value.
    alive = np.nan_to_num(np.where(np.isfinite(alive), alive, np.nan), nan=0.0)[inverse]
    e12_unique = np.where(np.isfinite(e12), e12, np.nan)
    e12, e36 = e12_unique[inverse], np.where(np.isfinite(e36), e36, np.nan)[inverse]
    # The range's purchase counts per unique history too (the Poisson quantiles cost seconds per million).
    low_unique = poisson.ppf(RANGE_QUANTILES[0], np.maximum(e12_unique, 1e-9))
    high_unique = poisson.ppf(RANGE_QUANTILES[1], np.maximum(e12_unique, 1e-9))
    low, high = low_unique[inverse], high_unique[inverse]
    frequency = np.asarray(frequency_days, dtype=float)
    monetary = np.asarray(monetary_value, dtype=float)
    if gamma_gamma is not None:
        p, q, v = (gamma_gamma.params[k] for k in ("p", "q", "v"))
        population_mean = p * v / (q - 1) if q > 1 else fallback_spend
        weight = (q - 1) / (p * frequency + q - 1)
        spend = np.where(
            (frequency > 0) & (monetary > 0),
            weight * population_mean + (1 - weight) * monetary,
            population_mean,
        )
    else:
        spend = np.where((frequency > 0) & (monetary > 0), monetary, fallback_spend)
    return Predictions(
        p_alive=alive,
        expected_12m=e12,
        clv_12m=e12 * spend,
        clv_12m_low=low * spend,
        clv_12m_high=high * spend,
        clv_36m=e36 * spend,
    )


def historic(
    *, purchases: np.ndarray, total_spend: np.ndarray, tenure_days: np.ndarray, recency_days: np.ndarray
) -> dict[str, Any]:
    """Average order value × purchase frequency (per year) × customer lifespan (years).

    Order value: the customer's spend per purchase. Frequency: purchases per year of the customer's
    tenure, at least one year. Lifespan: the brand's average span between first and last purchase of its
    repeat customers, at least one year."""
    purchases = np.asarray(purchases, dtype=float)
    aov = np.asarray(total_spend, dtype=float) / np.maximum(purchases, 1)
    years = np.maximum(np.asarray(tenure_days, dtype=float) / 365.25, 1.0)
    per_year = purchases / years
    repeat = purchases > 1
    lifespan = max(float(np.mean(np.asarray(recency_days)[repeat]) / 365.25) if repeat.any() else 1.0, 1.0)
    return {
        "aov": aov,
        "per_year": per_year,
        "lifespan": lifespan,
        "clv": aov * per_year * lifespan,
    }
