"""Large brands: recency and T on a grid of weeks, spend to three significant digits, before the fits."""

from __future__ import annotations

import numpy as np

from segmentation import clv


def test_small_brands_keep_days_over_seven():
    recency, t = clv.in_weeks(np.array([0, 10, 365]), np.array([7, 20, 400]), frequency=np.array([0, 1, 3]))
    assert recency.tolist() == [0.0, 10 / 7, 365 / 7]
    assert t.tolist() == [1.0, 20 / 7, 400 / 7]


def test_large_brands_use_the_finest_grid_that_keeps_the_histories_few():
    n = clv.EXACT_LIMIT + 1
    # Few distinct histories: whole weeks.
    days = np.arange(n) % 50
    recency, t = clv.in_weeks(days, days + 10, frequency=np.ones(n))
    assert recency[:3].tolist() == [0.0, 0.0, 0.0] and t[15] == 4.0  # 25 days → 3.57 → 4 weeks
    assert set(np.unique(recency)) <= set(range(0, 8))
    # Many: independent recency and T over four years, 30 frequencies → past TARGET_UNIQUE on the
    # one- and two-week grids: four weeks.
    rng = np.random.default_rng(3)
    r_days = rng.integers(0, 1400, n)
    t_days = r_days + rng.integers(0, 1400, n)
    frequency = rng.integers(0, 30, n)
    assert (
        clv._unique_count(frequency, np.round(r_days / 14) * 2, np.round(t_days / 14) * 2) > clv.TARGET_UNIQUE
    )
    recency, t = clv.in_weeks(r_days, t_days, frequency=frequency)
    assert np.all(recency % 4 == 0) and np.all(t % 4 == 0)
    assert np.all(np.abs(recency - r_days / 7) <= 2) and np.all(np.abs(t - t_days / 7) <= 2)
    assert np.all(recency <= t)


def test_spend_to_three_significant_digits_above_the_limit():
    values = np.array([1234.56, 99.994, 0.0, 15.449])
    assert clv.spend_key(values, customers=10).tolist() == [1234.56, 99.99, 0.0, 15.45]
    assert clv.spend_key(values, customers=clv.EXACT_LIMIT + 1).tolist() == [1230.0, 100.0, 0.0, 15.4]
