"""The purchase summary of each customer, for the nightly pipeline: purchase days, first and last day,
spend, the first day's spend, and the same as of the churn model's two cut-offs.

Four million orders go through it at a brand's real size. Aggregated in SQL (a window marking each
purchase day, then eleven filtered aggregates per customer) they cost 8.5 s of one core, two thirds of it
in the window and the grouping. Here the database computes only each order's value in the brand's
currency (net of refunds, with the exchange rates) and reads the orders in one narrow binary COPY, which
also gives what customers own its orders, in the covering index's (customer, time) order; numpy finds
each order's local day, marks the purchase days and sums per customer (about half a second). The
customers' profile is a second read, joined in memory. ADR 0055.

The result has the columns of the SQL it replaces, one row per customer with a valued order (merged and
erased customers left out): `n_days`, `first_day`, `last_day`, `spend`, `first_amount`, `n_c1`,
`last_c1`, `spend_c1`, `n_c2`, `last_c2`, `spend_c2`, `n_c2_c1`, `n_after_c1`, then the profile. Days are
numpy dates; a cut-off's last day and spend are missing (NaT, NaN) for a customer without a purchase up
to it, as SQL's aggregates over no row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from segmentation import sql

# Each order that counts, for the summary and for what customers own (segmentation.owned) alike: id,
# customer, instant, value in the brand's currency (NaN when a rate is missing: such orders are left out
# of the summary, and counted for the run's note) and channel (1 store, 2 online, 0 other). In the order
# of the covering index segmentation_order_rollup, which holds every column read (migration 0007), so
# numpy needs no sort: without id and channel in it, the read in that order fetched every order from the
# table at random (16 s), and in the table's order the sort cost numpy 1.3 s. The local day is numpy's
# (the time-zone conversion cost the database 1.3 s per four million orders, pandas a tenth of that).
ORDERS_SQL = f"""
SELECT o.id, o.customer_id, o.ordered_at, coalesce(({sql.AMOUNT})::float8, 'NaN') AS amount,
       (CASE o.channel WHEN 'store' THEN 1 WHEN 'web' THEN 2 ELSE 0 END)::int2 AS channel
FROM customers_order o
WHERE o.brand_id = %(brand_id)s AND o.customer_id IS NOT NULL
  AND o.status IN ('paid', 'partially_refunded') AND o.ordered_at < %(end)s
ORDER BY o.customer_id, o.ordered_at
"""

PROFILE_SQL = """
SELECT c.id AS customer_id, c.gender, c.family_situation, c.birth_date, c.wedding_anniversary, c.country,
       c.language, c.city, c.home_store_id
FROM customers_customer c
WHERE c.brand_id = %(brand_id)s AND c.merged_into_id IS NULL AND NOT c.is_pseudonymised
"""

# PostgreSQL's binary dates count days from 2000-01-01.
_EPOCH = date(2000, 1, 1)
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_NP_EPOCH = np.datetime64("2000-01-01", "D")
_NP_EPOCH_US = np.datetime64("2000-01-01T00:00:00", "us")


@dataclass
class Orders:
    """The orders that count (ORDERS_SQL), column by column: instants in microseconds since 2000-01-01
    00:00 UTC (PostgreSQL's binary timestamps)."""

    id: np.ndarray
    customer: np.ndarray
    instant: np.ndarray
    amount: np.ndarray
    channel: np.ndarray


def read_orders(params: dict[str, Any]) -> Orders:
    """The orders that count, read in one binary COPY. Runs in the brand's context."""
    return Orders(*sql.read_binary(ORDERS_SQL, params, (">i8", ">i8", ">i8", ">f8", ">i2")))


def instant(moment: datetime) -> int:
    """An aware datetime as PostgreSQL's binary timestamp (microseconds since 2000-01-01 00:00 UTC)."""
    return (moment - _PG_EPOCH) // timedelta(microseconds=1)


def read(params: dict[str, Any], orders: Orders) -> tuple[pd.DataFrame, int]:
    """The summary of every customer with a valued order, and how many orders were left out without a
    rate. Runs in the brand's context; `params` are the pipeline's (brand_id, tz, c1, c2), `orders`
    read_orders(params)."""
    valued = ~np.isnan(orders.amount)
    left_out = int(len(valued) - valued.sum())
    customer, moment, amount = orders.customer, orders.instant, orders.amount
    if left_out:
        customer, moment, amount = customer[valued], moment[valued], amount[valued]
    day = local_days(moment, params["tz"])
    del moment, valued
    per = summarise(
        customer,
        day,
        amount,
        c1=(params["c1"] - _EPOCH).days,
        c2=(params["c2"] - _EPOCH).days,
    )
    del customer, day, amount
    profile = sql.copy_out(PROFILE_SQL, params)
    return per.merge(profile, on="customer_id", how="inner"), left_out


def local_days(instants: np.ndarray, tz: str) -> np.ndarray:
    """The local dates, in days since 2000-01-01, of PostgreSQL's binary timestamps with time zone
    (microseconds since 2000-01-01 00:00 UTC) in the time zone `tz`."""
    utc = pd.DatetimeIndex(_NP_EPOCH_US + instants.astype("timedelta64[us]")).tz_localize("UTC")
    local = utc.tz_convert(tz).tz_localize(None).to_numpy()
    return (local.astype("datetime64[D]") - _NP_EPOCH).astype(np.int32)


def _dates(days: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
    out = _NP_EPOCH + days.astype("timedelta64[D]")
    if known is not None:
        out[~known] = np.datetime64("NaT")
    return out


def summarise(customer: np.ndarray, day: np.ndarray, amount: np.ndarray, *, c1: int, c2: int) -> pd.DataFrame:
    """The per-customer summary of the valued orders (customer ids, days since 2000-01-01, values), in
    (customer, day) order (sorted here when they are not); `c1`, `c2` are the cut-offs' days."""
    customer = np.asarray(customer, dtype=np.int64)
    day = np.asarray(day, dtype=np.int32)
    amount = np.asarray(amount, dtype=np.float64)
    if not len(customer):
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in _EMPTY.items()})
    step = np.diff(customer)
    if (step < 0).any() or ((step == 0) & (np.diff(day) < 0)).any():
        order = _by_customer_and_day(customer, day)
        customer, day, amount = customer[order], day[order], amount[order]
        step = np.diff(customer)
    new_customer = np.concatenate(([True], step != 0))
    new_day = new_customer.copy()
    new_day[1:] |= np.diff(day) != 0
    start = np.flatnonzero(new_customer)
    end = np.append(start[1:], len(customer))

    def count(mask: np.ndarray) -> np.ndarray:
        return np.add.reduceat(mask, start, dtype=np.int64)

    def total(mask: np.ndarray | None = None) -> np.ndarray:
        return np.add.reduceat(amount if mask is None else np.where(mask, amount, 0.0), start)

    first_day = day[start]
    out: dict[str, Any] = {
        "customer_id": customer[start],
        "n_days": count(new_day),
        "first_day": _dates(first_day),
        "last_day": _dates(day[end - 1]),
        "spend": total(),
        "first_amount": total(day == np.repeat(first_day, end - start)),
    }
    for suffix, cut in (("_c1", c1), ("_c2", c2)):
        upto = day <= cut
        rows = count(upto)
        has = rows > 0
        # The days are in order within a customer: those up to the cut-off are the first `rows`.
        out[f"n{suffix}"] = count(new_day & upto)
        out[f"last{suffix}"] = _dates(day[start + np.maximum(rows - 1, 0)], has)
        out[f"spend{suffix}"] = np.where(has, total(upto), np.nan)
    out["n_c2_c1"] = count(new_day & (day > c2) & (day <= c1))
    out["n_after_c1"] = count(new_day & (day > c1))
    return pd.DataFrame(out)


def _by_customer_and_day(customer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The order of the rows by customer, then day: one stable sort of a single integer key (the
    customer's offset times the span of days, plus the day's offset), four times faster than lexsort's
    two; lexsort when the key would not fit in 62 bits."""
    low, days = int(day.min()), int(day.max()) - int(day.min()) + 1
    first = int(customer.min())
    if (int(customer.max()) - first + 1) * days >= 1 << 62:
        return np.lexsort((day, customer))
    key = (customer - first) * days + (day.astype(np.int64) - low)
    return np.argsort(key, kind="stable")


_EMPTY = {
    "customer_id": "int64",
    "n_days": "int64",
    "first_day": "datetime64[s]",
    "last_day": "datetime64[s]",
    "spend": "float64",
    "first_amount": "float64",
    **{
        f"{name}{suffix}": kind
        for suffix in ("_c1", "_c2")
        for name, kind in (("n", "int64"), ("last", "datetime64[s]"), ("spend", "float64"))
    },
    "n_c2_c1": "int64",
    "n_after_c1": "int64",
}
