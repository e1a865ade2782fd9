"""RFM: recency, frequency and monetary scores from 1 to 5, and the named segments.

Jewellery is bought rarely, so the recency cut-offs come from the brand's own purchase intervals (the
days between two purchase days of the same customer), not from a grocery template: a customer whose last
purchase is more recent than a quarter of the brand's repeat intervals is scored R5, more recent than half
of them R4, than three quarters R3, than nine in ten R2, and R1 beyond. Frequency counts purchase days
(1, 2, 3, 4–5, 6+ by default); monetary splits the brand's customers by total spend into fifths.

Segments are rules over R and F, tried in order; the first that matches names the customer. The brand sees
and may edit all of it; the defaults cover every (R, F) pair.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Used when the brand has no repeat purchase yet (no interval to learn from): about a quarter, half a
# year, a year, two years.
FALLBACK_RECENCY_CUTOFFS = [90, 180, 365, 730]
DEFAULT_FREQUENCY_CUTOFFS = [2, 3, 4, 6]
RECENCY_QUANTILES = (0.25, 0.5, 0.75, 0.9)
MIN_INTERVALS = 20  # fewer repeat intervals than this and the fallback is used

SEGMENT_CODES = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
)

# (code, R range, F range), first match wins. Covers all 25 (R, F) pairs.
DEFAULT_SEGMENTS: list[dict[str, Any]] = [
    {"code": "champions", "r": [4, 5], "f": [4, 5]},
    {"code": "loyal", "r": [3, 5], "f": [3, 5]},
    {"code": "cant_lose", "r": [1, 1], "f": [4, 5]},
    {"code": "at_risk", "r": [1, 2], "f": [3, 5]},
    {"code": "potential_loyalists", "r": [4, 5], "f": [2, 2]},
    {"code": "new", "r": [5, 5], "f": [1, 1]},
    {"code": "promising", "r": [4, 4], "f": [1, 1]},
    {"code": "need_attention", "r": [3, 3], "f": [2, 2]},
    {"code": "about_to_sleep", "r": [3, 3], "f": [1, 1]},
    {"code": "hibernating", "r": [2, 2], "f": [1, 2]},
    {"code": "lost", "r": [1, 1], "f": [1, 2]},
]


def _increasing(values: list[float], minimum_step: float = 1) -> list[float]:
    out: list[float] = []
    for value in values:
        if out and value < out[-1] + minimum_step:
            value = out[-1] + minimum_step
        out.append(value)
    return out


def default_recency_cutoffs(intervals: np.ndarray) -> tuple[list[int], dict[str, Any]]:
    """Cut-offs in days from the brand's repeat-purchase intervals, and what they came from."""
    intervals = np.asarray(intervals, dtype=float)
    intervals = intervals[intervals > 0]
    if len(intervals) < MIN_INTERVALS:
        return list(FALLBACK_RECENCY_CUTOFFS), {"intervals": int(len(intervals)), "fallback": True}
    quantiles = np.quantile(intervals, RECENCY_QUANTILES)
    cutoffs = [int(v) for v in _increasing([float(np.ceil(q)) for q in quantiles])]
    return cutoffs, {
        "intervals": int(len(intervals)),
        "median_interval": float(np.median(intervals)),
        "fallback": False,
    }


def default_monetary_cutoffs(total_spend: np.ndarray) -> list[float]:
    spend = np.asarray(total_spend, dtype=float)
    if len(spend) == 0:
        return [0.0, 0.0, 0.0, 0.0]
    return [round(float(q), 2) for q in np.quantile(spend, (0.2, 0.4, 0.6, 0.8))]


def default_rules(*, intervals: np.ndarray, total_spend: np.ndarray) -> dict[str, Any]:
    recency, derived = default_recency_cutoffs(intervals)
    return {
        "recency_cutoffs": recency,
        "frequency_cutoffs": list(DEFAULT_FREQUENCY_CUTOFFS),
        "monetary_cutoffs": default_monetary_cutoffs(total_spend),
        "segments": [dict(s) for s in DEFAULT_SEGMENTS],
        "derived_from": derived,
    }


def recency_score(days_since_last: np.ndarray, cutoffs: list[int]) -> np.ndarray:
    """5 when the last purchase is at most cutoffs[0] days ago, ... 1 beyond cutoffs[3]."""
    return (5 - np.searchsorted(np.asarray(cutoffs), np.asarray(days_since_last), side="left")).astype(
        np.int16
    )


def frequency_score(purchases: np.ndarray, cutoffs: list[int]) -> np.ndarray:
    """1 below cutoffs[0] purchases, 2 from cutoffs[0], ... 5 from cutoffs[3]."""
    return (1 + np.searchsorted(np.asarray(cutoffs), np.asarray(purchases), side="right")).astype(np.int16)


def monetary_score(spend: np.ndarray, cutoffs: list[float]) -> np.ndarray:
    return (1 + np.searchsorted(np.asarray(cutoffs), np.asarray(spend), side="right")).astype(np.int16)


def uncovered_cells(segments: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(R, F) pairs no rule matches: the editor refuses rules that leave any."""
    missing = []
    for r in range(1, 6):
        for f in range(1, 6):
            if not any(s["r"][0] <= r <= s["r"][1] and s["f"][0] <= f <= s["f"][1] for s in segments):
                missing.append((r, f))
    return missing


def assign_segments(r: np.ndarray, f: np.ndarray, segments: list[dict[str, Any]]) -> np.ndarray:
    """The code of the first rule matching each (R, F); a 5×5 lookup table, so one pass over the rows."""
    table = np.empty((6, 6), dtype=object)
    table[:] = "lost"
    for rr in range(5, 0, -1):
        for ff in range(5, 0, -1):
            for s in segments:
                if s["r"][0] <= rr <= s["r"][1] and s["f"][0] <= ff <= s["f"][1]:
                    table[rr, ff] = s["code"]
                    break
    return table[np.asarray(r, dtype=int), np.asarray(f, dtype=int)]


def validate_rules(rules: dict[str, Any]) -> list[str]:
    """Problems as message codes, empty when the rules can be used."""
    problems = []
    for key, count in (("recency_cutoffs", 4), ("frequency_cutoffs", 4), ("monetary_cutoffs", 4)):
        values = rules.get(key)
        if not isinstance(values, list) or len(values) != count:
            problems.append(f"{key}:count")
            continue
        if any(not isinstance(v, int | float) or v < 0 for v in values):
            problems.append(f"{key}:negative")
        elif any(b <= a for a, b in zip(values, values[1:], strict=False)):
            problems.append(f"{key}:order")
    segments = rules.get("segments") or []
    for s in segments:
        if s.get("code") not in SEGMENT_CODES:
            problems.append("segments:code")
        for axis in ("r", "f"):
            low, high = s.get(axis, [0, 0])
            if not (1 <= low <= high <= 5):
                problems.append(f"segments:{axis}_range")
    if not problems and uncovered_cells(segments):
        problems.append("segments:uncovered")
    return problems
