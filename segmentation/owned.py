"""What each customer owns, for the nightly pipeline: the pieces of their order lines (paid or partly
refunded orders, up to the observation's end) and the items registered to them.

Ten million order lines go through it at a brand's real size. Joined and grouped in SQL they cost some
18 s of one core (the join of the lines with four million orders, then six aggregates per line into a
million groups). Here the database only reads: the products (category index, price band), the
registered items and the lines (order, product), each a narrow binary COPY of fixed-width rows (about
3 s at that size), and the orders come from the purchase summary's own read (segmentation.summary: id,
customer, and here a small code of channel and window); numpy then finds each line's order and product
by binary search and counts per customer with bincount and bitwise_or.at, a chunk of lines at a time
(about 2 s). On Citus the reads are router queries of the brand's shards (COPY … TO of a query is read
through the coordinator). ADR 0054, 0055.

The result: per customer, `pieces`, `cat_<code>` (pieces per category, in OWNED_CATEGORIES order),
`channel_store`, `channel_web` (pieces bought there), and `cat_mask`, `band_mask`, `top_band` of the
pieces bought up to today, and as of the churn model's two cut-offs (suffixes `_c1`, `_c2`): bit i of a
category mask is OWNED_CATEGORIES[i], bit i of a band mask the brand's price band i (on the product's
public price), the top band the highest bit set (-1 without one). Registered items count as pieces and
categories but are in no window's masks (they have no purchase date)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation import sql
from segmentation.sql import OWNED_CATEGORIES

WINDOWS = ("", "_c1", "_c2")
# A line's order code: bit 0 bought in store, bit 1 online; bits 2-3 the latest window it is in
# (0: today only, 1: also as of the first cut-off, 2: also as of the second, older one).
_STORE, _WEB = 1, 2

LINES_SQL = """
SELECT l.order_id, l.product_id FROM customers_orderline l
WHERE l.brand_id = %(brand_id)s AND l.product_id IS NOT NULL
"""
ITEMS_SQL = """
SELECT i.owner_id, i.product_id FROM inventory_item i
WHERE i.brand_id = %(brand_id)s AND i.owner_id IS NOT NULL
"""
# Each product's category index (the last one, "other", for a category outside the list) and price band
# (width_bucket over the brand's limits: 0 .. len(limits); -1 without a public price).
PRODUCTS_SQL = """
SELECT p.id,
       (coalesce(array_position(%(categories)s::text[], p.category::text), %(other)s) - 1)::int2 AS cat,
       (CASE WHEN p.price IS NULL THEN -1 ELSE width_bucket(p.price, %(limits)s::numeric[]) END)::int2
         AS band
FROM catalog_product p WHERE p.brand_id = %(brand_id)s
"""


def owned_params(params: dict[str, Any], limits: Sequence[int]) -> dict[str, Any]:
    """`params` of the pipeline (with `c1_end`, `c2_end`: the local midnights after the cut-offs)."""
    return {
        **params,
        "limits": [int(v) for v in limits],
        "categories": list(OWNED_CATEGORIES),
        "other": len(OWNED_CATEGORIES),
    }


def read(params: dict[str, Any], orders: Callable[[], Sequence[np.ndarray]]) -> pd.DataFrame:
    """What each customer owns (see the module); `params` are owned_params(...), `orders()` gives the
    orders' (id, customer, code) once they are read (order_codes: segmentation.summary reads them for
    the purchase summary too, and this waits for them after reading the rest). Runs in the brand's
    context."""
    products = sql.read_binary(PRODUCTS_SQL, params, (">i8", ">i2", ">i2"))
    items = sql.read_binary(ITEMS_SQL, params, (">i8", ">i8"))
    lines = sql.read_binary(LINES_SQL, params, (">i8", ">i8"))
    return count(
        orders=orders(), lines=lines, items=items, products=products, bands=len(params["limits"]) + 1
    )


def order_codes(channel: np.ndarray, instant: np.ndarray, c1_end: int, c2_end: int) -> np.ndarray:
    """Each order's code (see _STORE): its channel (1 store, 2 online, 0 other) and the latest window it
    is in, from its instant and the cut-offs' ends (the local midnights after them), all three in the
    same unit."""
    window = np.where(instant < c2_end, 8, np.where(instant < c1_end, 4, 0))
    return (channel.astype(np.int64) + window).astype(np.int16)


def _lookup(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in `keys` (sorted, unique) of `wanted`, and which of them were found."""
    if not len(keys):
        return np.zeros(len(wanted), dtype=np.intp), np.zeros(len(wanted), dtype=bool)
    position = np.searchsorted(keys, wanted)
    np.minimum(position, len(keys) - 1, out=position)
    return position, keys[position] == wanted


class _Counts:
    """Per-customer accumulators (customers numbered 0 .. n - 1), fed chunk by chunk."""

    def __init__(self, n: int, bands: int) -> None:
        self.n = n
        self.bands = bands
        self.pieces = np.zeros(n, dtype=np.int64)
        self.per_category = np.zeros(n * len(OWNED_CATEGORIES), dtype=np.int64)
        self.channels = {code: np.zeros(n, dtype=np.int64) for code in ("store", "web")}
        self.masks = [np.zeros(n, dtype=np.int64) for _ in WINDOWS]

    def add(self, customer: np.ndarray, cat: np.ndarray) -> None:
        """Pieces (of order lines or registered items) of these customers, of these categories."""
        self.pieces += np.bincount(customer, minlength=self.n)
        self.per_category += np.bincount(
            customer * len(OWNED_CATEGORIES) + cat, minlength=self.n * len(OWNED_CATEGORIES)
        )

    def bought(self, customer: np.ndarray, code: np.ndarray, bits: np.ndarray) -> None:
        """Order lines: their channel, and their piece's bits in each window the order is in."""
        self.channels["store"] += np.bincount(customer[(code & _STORE) > 0], minlength=self.n)
        self.channels["web"] += np.bincount(customer[(code & _WEB) > 0], minlength=self.n)
        window = code >> 2
        for index, mask in enumerate(self.masks):
            chosen = window >= index
            np.bitwise_or.at(mask, customer[chosen], bits[chosen])

    def frame(self, customer_ids: np.ndarray) -> pd.DataFrame:
        out = pd.DataFrame({"customer_id": customer_ids, "pieces": self.pieces})
        per_category = self.per_category.reshape(self.n, len(OWNED_CATEGORIES))
        for index, code in enumerate(OWNED_CATEGORIES):
            out[f"cat_{code}"] = per_category[:, index]
        out["channel_store"] = self.channels["store"]
        out["channel_web"] = self.channels["web"]
        for suffix, mask in zip(WINDOWS, self.masks, strict=True):
            band_mask = mask >> _BAND_SHIFT
            top = np.full(self.n, -1, dtype=np.int64)
            for value in range(self.bands):  # the highest band bit set; -1 without one
                top = np.where(band_mask & (1 << value), value, top)
            out[f"cat_mask{suffix}"] = mask & ((1 << _BAND_SHIFT) - 1)
            out[f"band_mask{suffix}"] = band_mask
            out[f"top_band{suffix}"] = top
        return out


# Bits 0-7 of a piece's mask: its category; bits 8 and up: its price band.
_BAND_SHIFT = 8
# Lines are counted this many at a time (their temporaries stay some tens of megabytes).
CHUNK = 1 << 21


def count(
    *,
    orders: Sequence[np.ndarray],
    lines: Sequence[np.ndarray],
    items: Sequence[np.ndarray],
    products: Sequence[np.ndarray],
    bands: int,
) -> pd.DataFrame:
    """The per-customer counts and masks of the module's description, from its four reads: orders (id,
    customer, code), lines (order, product), items (owner, product), products (id, category index,
    price band)."""
    by_id = np.argsort(products[0], kind="stable")
    product_ids = products[0][by_id]
    product_cats = products[1][by_id].astype(np.int64)
    band = products[2][by_id].astype(np.int64)
    product_bits = (np.int64(1) << product_cats) | np.where(
        band >= 0, np.int64(1) << (band + _BAND_SHIFT), np.int64(0)
    )
    by_id = np.argsort(orders[0], kind="stable")
    order_ids, codes = orders[0][by_id], orders[2][by_id]
    item_at, item_known = _lookup(product_ids, items[1])
    item_owners, item_at = items[0][item_known], item_at[item_known]
    # Customers numbered by a hash table (no sort of millions of ids).
    inverse, customers = pd.factorize(np.concatenate([orders[1][by_id], item_owners]), sort=False)
    order_customer = inverse[: len(order_ids)].astype(np.int64)
    item_customer = inverse[len(order_ids) :].astype(np.int64)
    del inverse, by_id
    counts = _Counts(len(customers), bands)
    counts.add(item_customer, product_cats[item_at])
    line_orders, line_products = lines
    for start in range(0, len(line_orders), CHUNK):
        # The chunk's lines of the orders read (paid or partly refunded, up to the end), of a product
        # of the brand.
        position, found = _lookup(order_ids, line_orders[start : start + CHUNK])
        at, known = _lookup(product_ids, line_products[start : start + CHUNK])
        keep = found & known
        order, at = position[keep], at[keep]
        customer = order_customer[order]
        counts.add(customer, product_cats[at])
        counts.bought(customer, codes[order], product_bits[at])
    return counts.frame(customers)
