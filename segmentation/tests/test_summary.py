"""The purchase summary counted in numpy (segmentation.summary): exact values on hand-built rows, any
row order, no row, and local days equal to PostgreSQL's own conversion."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from segmentation import summary

D = np.datetime64("2000-01-01", "D")


def _day(n: int) -> pd.Timestamp:
    return pd.Timestamp(D + np.timedelta64(n, "D"))


def _rows():
    # Customer 7: two orders on day 10, one on day 20, one on day 30. Customer 3: one order on day 5.
    return (
        np.array([3, 7, 7, 7, 7]),
        np.array([5, 10, 10, 20, 30]),
        np.array([7.0, 1.0, 2.0, 3.0, 4.0]),
    )


def test_purchase_days_spend_and_cut_offs_per_customer():
    frame = summary.summarise(*_rows(), c1=15, c2=8).set_index("customer_id")

    seven = frame.loc[7]
    assert seven["n_days"] == 3  # two orders on one day are one purchase day
    assert (seven["first_day"], seven["last_day"]) == (_day(10), _day(30))
    assert seven["spend"] == 10.0
    assert seven["first_amount"] == 3.0  # the whole first day
    assert (seven["n_c1"], seven["last_c1"], seven["spend_c1"]) == (1, _day(10), 3.0)
    # Nothing up to the older cut-off: missing, as SQL's aggregates over no row.
    assert seven["n_c2"] == 0 and pd.isna(seven["last_c2"]) and np.isnan(seven["spend_c2"])
    assert (seven["n_c2_c1"], seven["n_after_c1"]) == (1, 2)

    three = frame.loc[3]
    assert (three["n_days"], three["spend"], three["first_amount"]) == (1, 7.0, 7.0)
    assert (three["n_c2"], three["last_c2"], three["spend_c2"]) == (1, _day(5), 7.0)
    assert (three["n_c2_c1"], three["n_after_c1"]) == (0, 0)


def test_rows_in_any_order_give_the_same_summary():
    customer, day, amount = _rows()
    order = np.array([3, 0, 4, 2, 1])
    shuffled = summary.summarise(customer[order], day[order], amount[order], c1=15, c2=8)
    pd.testing.assert_frame_equal(shuffled, summary.summarise(customer, day, amount, c1=15, c2=8))


def test_no_order_gives_no_customer_with_every_column():
    none = np.array([], dtype=np.int64)
    frame = summary.summarise(none, none, none.astype(float), c1=15, c2=8)
    assert len(frame) == 0
    assert list(frame.columns) == list(summary.summarise(*_rows(), c1=15, c2=8).columns)


@pytest.mark.django_db
@pytest.mark.parametrize("tz", ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
def test_local_days_are_postgresqls_own(tz):
    """Instants around local midnight and across the changes of summer time, converted by numpy and by
    PostgreSQL (AT TIME ZONE), give the same dates."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (extract(epoch FROM t - timestamptz '2000-01-01 00:00+00') * 1000000)::int8,
                   (t AT TIME ZONE %s)::date
            FROM generate_series(timestamptz '2025-03-01 00:00+00', timestamptz '2026-12-01 00:00+00',
                                 interval '1 hour 7 minutes') AS t
            """,
            [tz],
        )
        rows = cursor.fetchall()
    instants = np.array([row[0] for row in rows], dtype=np.int64)
    expected = np.array([(row[1] - date(2000, 1, 1)).days for row in rows])
    assert len(rows) > 10_000
    np.testing.assert_array_equal(summary.local_days(instants, tz), expected)
