"""The pipeline's SQL: an order's value in the brand's currency (AMOUNT, read by segmentation.summary),
the rollup's other per-customer figures, and the set-based write-back.

With segmentation.summary and segmentation.owned, these are the reviewed modules of the segmentation app
that read other apps' tables in SQL (orders, customers, consents, registrations, interventions, items): a
nightly job over a million customers cannot go through per-row selectors
(docs/adr/0021-nightly-pipeline-set-based.md). Every statement names the brand in its WHERE clauses and
joins on (brand_id, id), so it runs unchanged on Citus, where the tables are colocated by brand_id;
row-level security applies underneath. Rows come back through COPY: copy_out (typed CSV) and read_binary
(fixed-width binary rows, for the millions of orders and order lines).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection

# Order statuses whose value counts as a purchase (net of refunds): refunded and cancelled orders do not.
PURCHASE_STATUSES = ("paid", "partially_refunded")

# One order in the brand's currency: the stored value, else the order's own value when it is already in
# the brand's currency, else converted with the latest rates on or before the order's day; NULL when a
# rate is missing. Net of refunds, pro rata.
AMOUNT = """
    CASE WHEN o.total = 0 THEN 0 ELSE
      COALESCE(
        o.total_brand_currency,
        CASE WHEN upper(o.currency) = %(currency)s THEN o.total END,
        o.total
          * CASE WHEN upper(o.currency) = 'EUR' THEN 1 ELSE (
              SELECT x.rate_to_eur FROM customers_exchangerate x
              WHERE x.currency = upper(o.currency) AND x.date <= (o.ordered_at AT TIME ZONE %(tz)s)::date
              ORDER BY x.date DESC LIMIT 1) END
          / CASE WHEN %(currency)s = 'EUR' THEN 1 ELSE (
              SELECT x.rate_to_eur FROM customers_exchangerate x
              WHERE x.currency = %(currency)s AND x.date <= (o.ordered_at AT TIME ZONE %(tz)s)::date
              ORDER BY x.date DESC LIMIT 1) END
      ) * CASE WHEN o.refunded_amount = 0 THEN 1 ELSE (o.total - o.refunded_amount) / o.total END
    END
"""

# The currencies of the orders left out without a rate (segmentation.summary counts them).
LEFT_OUT_SQL = f"""
SELECT coalesce(string_agg(DISTINCT upper(o.currency), ', '), '')
FROM customers_order o
WHERE o.brand_id = %(brand_id)s AND o.customer_id IS NOT NULL
  AND o.status IN ('paid', 'partially_refunded') AND o.ordered_at < %(end)s
  -- Only an order without its value in the brand's currency (or without a total or refund) can lack a
  -- value: the cheap test first, the conversion only for those.
  AND (o.total_brand_currency IS NULL OR o.total IS NULL OR o.refunded_amount IS NULL) AND ({AMOUNT}) IS NULL
"""

EXTRAS_SQL = """
WITH reg AS (
    SELECT r.customer_id, count(*) AS registrations, count(*) FILTER (WHERE r.is_gift) AS gifts
    FROM warranties_registration r WHERE r.brand_id = %(brand_id)s GROUP BY r.customer_id
), svc AS (
    SELECT i.owner_id AS customer_id, count(*) AS services
    FROM warranties_intervention v
    JOIN inventory_item i ON i.brand_id = v.brand_id AND i.id = v.item_id
    WHERE v.brand_id = %(brand_id)s AND i.owner_id IS NOT NULL GROUP BY i.owner_id
), latest AS (
    -- The latest marketing consent per channel (granted, and confirmed for e-mail: consent_is_active).
    SELECT DISTINCT ON (k.customer_id, k.channel) k.customer_id, k.channel,
           k.is_granted AND (k.is_confirmed OR k.channel <> 'email') AS ok
    FROM customers_consent k
    WHERE k.brand_id = %(brand_id)s AND k.channel IN ('email', 'sms') AND k.purpose = 'marketing'
    ORDER BY k.customer_id, k.channel, k.at DESC, k.id DESC
), consent AS (
    SELECT customer_id, coalesce(bool_or(ok) FILTER (WHERE channel = 'email'), false) AS email_ok,
           coalesce(bool_or(ok) FILTER (WHERE channel = 'sms'), false) AS sms_ok
    FROM latest GROUP BY customer_id
), rel AS (
    -- Gift recipients' dates as days of the year ("45 310"): the churn model asks whether one is near.
    SELECT r.customer_id, count(DISTINCT r.id) AS relations,
           coalesce(string_agg(DISTINCT extract(doy FROM d.day)::int::text, ' '), '') AS relation_days
    FROM customers_relation r
    LEFT JOIN LATERAL (VALUES (r.birth_date), (r.anniversary)) AS d(day) ON d.day IS NOT NULL
    WHERE r.brand_id = %(brand_id)s GROUP BY r.customer_id
)
SELECT coalesce(reg.customer_id, svc.customer_id, consent.customer_id, rel.customer_id) AS customer_id,
       coalesce(reg.registrations, 0) AS registrations, coalesce(reg.gifts, 0) AS gifts,
       coalesce(svc.services, 0) AS services, coalesce(consent.email_ok, false) AS email_ok,
       coalesce(consent.sms_ok, false) AS sms_ok,
       coalesce(rel.relations, 0) AS relations, coalesce(rel.relation_days, '') AS relation_days
FROM reg
FULL JOIN svc ON svc.customer_id = reg.customer_id
FULL JOIN consent ON consent.customer_id = coalesce(reg.customer_id, svc.customer_id)
FULL JOIN rel ON rel.customer_id = coalesce(reg.customer_id, svc.customer_id, consent.customer_id)
"""

# What each customer owns (segmentation.owned reads and counts it): the categories of the catalog, in
# the order of its per-category columns, and the channels of its per-channel ones.
OWNED_CATEGORIES = ("ring", "necklace", "pendant", "bracelet", "earrings", "charm", "watch", "other")
OWNED_CHANNELS = ("store", "web")


ROLLUP_WORK_MEM = "128MB"
# PostgreSQL type OIDs of the columns copy_out reads back with their type (the rest: numbers and dates,
# which pandas reads as numbers and ISO strings).
_BOOL_OID = 16
_TEXT_OIDS = {18, 19, 25, 1042, 1043}  # "char", name, text, bpchar, varchar


def copy_out(sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run a SELECT and read its rows through COPY … TO STDOUT (fast on plain PostgreSQL and on Citus),
    each column with the type the query gives it.

    CSV carries no types: booleans arrive as `t`/`f`, which pandas keeps as strings (so `astype(float)`
    failed in the churn model, on every deployment with consents), and text such as the country code
    `NA` or the word `null` would be read as missing. The query's own column types (from its description,
    without running it) decide instead: booleans become pandas' nullable booleans, text stays text with
    only SQL NULL missing, numbers and dates are read as before. The types come from the same query
    under LIMIT 0, which reads no row (on Citus the brand's queries are router queries: the LIMIT goes
    to the one worker with them)."""
    with connection.cursor() as cursor:
        # The correlated exchange-rate look-ups inflate the cost estimate past the JIT threshold, and
        # compiling the plan then takes longer than running it.
        cursor.execute("SET LOCAL jit = off")
        # The per-customer aggregates hold one entry per customer (a million at most): with the default
        # 4 MB they spill to disk in batches, slow on a disk shared with other work.
        cursor.execute(f"SET LOCAL work_mem = '{ROLLUP_WORK_MEM}'")
        query = cursor.mogrify(sql, params).decode()
        cursor.execute(f"SELECT * FROM ({query}) AS typed LIMIT 0")
        types = {column.name: column.type_code for column in cursor.description}
        buffer = io.StringIO()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
    buffer.seek(0)
    text = [name for name, oid in types.items() if oid in _TEXT_OIDS]
    booleans = [name for name, oid in types.items() if oid == _BOOL_OID]
    frame = pd.read_csv(
        buffer,
        dtype={name: "str" for name in text + booleans},
        keep_default_na=False,
        na_values=[""],
    )
    for name in booleans:
        frame[name] = frame[name].map({"t": True, "f": False}).astype("boolean")
    return frame


def read_binary(sql: str, params: dict[str, Any], kinds: Sequence[str]) -> list[np.ndarray]:
    """The columns of a query of fixed-width, non-null columns (`kinds`: numpy big-endian types such as
    ">i8"), read through COPY … TO STDOUT in PostgreSQL's binary format.

    The server sends one message per row, and the driver hands each to the target's `write`: an
    in-memory buffer (a C method; a Python one cost 5 s per ten million rows), read by numpy as an array
    of fixed-width rows without a copy, then dropped."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for index, kind in enumerate(kinds):
        fields += [(f"len{index}", ">i4"), (f"v{index}", kind)]
    row = np.dtype(fields)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        query = cursor.mogrify(sql, params).decode()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", buffer)
    view = buffer.getbuffer()
    # The header: an 11-byte signature, 4 bytes of flags, then the length of an extension area; the
    # trailer: a count of -1 (2 bytes).
    (extension,) = struct.unpack_from(">i", view, 15)
    start = 19 + extension
    size = len(view) - start - 2
    if size < 0 or size % row.itemsize:
        raise ValueError("COPY rows are not of the expected fixed width (a NULL, or another type)")
    rows = np.frombuffer(view, dtype=row, offset=start, count=size // row.itemsize)
    columns = [rows[f"v{index}"].astype(kind.replace(">", "=")) for index, kind in enumerate(kinds)]
    del rows
    view.release()
    return columns


def scalar_row(sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchone()


SCORE_TABLES = ("segmentation_customerscore", "segmentation_segmentmember")


def refresh_statistics(tables: Sequence[str]) -> bool:
    """VACUUM (ANALYZE) the tables as their owner (the application role owns no table): the new scores
    once written, the memberships after publishing, both beside the models stage once the older scores
    are deleted. A million fresh rows under last night's statistics made the planner read a page's
    scores through the wrong index (0.6 s instead of 6 ms), the aggregates and the segments' refresh read
    them in the builder index's order (2-4 s each instead of 0.3 s), and the live count visit the heap
    for every row; autovacuum does the same later where it is on (it is off on some machines). Outside a
    transaction only (inside one, the tests', it returns False: VACUUM cannot run there); a failure only
    logs."""
    import logging

    from django.conf import settings
    from django.db import DatabaseError

    from jewelcrm.tenancy.roles import as_role

    if connection.in_atomic_block or "owner" not in (getattr(settings, "DATABASE_ROLES", None) or {}):
        return False
    try:
        with as_role("owner"), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    except (DatabaseError, KeyError, ValueError):
        logging.getLogger(__name__).warning("VACUUM ANALYZE after the run failed", exc_info=True)
        return False
    return True


def is_citus() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT exists(SELECT 1 FROM pg_extension WHERE extname = 'citus')")
        return bool(cursor.fetchone()[0])


def write_rows_values(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, page_size: int = 2000
) -> int:
    """Citus: batched multi-row INSERT … VALUES straight into the brand table (no COPY, no INSERT … SELECT
    from a temporary table, both of which Citus runs as COPY, refused on shards under row-level security)."""
    from psycopg2.extras import execute_values

    names = ", ".join(columns)
    count = 0
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([None if isinstance(v, float) and v != v else v for v in row])
            if len(batch) >= page_size:
                execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s", batch, page_size=page_size)
                count += len(batch)
                batch = []
        if batch:
            execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s", batch, page_size=page_size)
            count += len(batch)
    return count


# --- Binary COPY of a whole frame (plain PostgreSQL) ---------------------------------------------------

_PG_EPOCH = np.datetime64("2000-01-01", "D")
_BINARY = {
    "int8": (">i8", 8),
    "int4": (">i4", 4),
    "int2": (">i2", 2),
    "float8": (">f8", 8),
    "date": (">i4", 4),
}
_SQL_TYPE = {"int8": "bigint", "int4": "integer", "int2": "smallint", "float8": "double precision",
             "date": "integer", "text": "integer", "json": "integer"}  # fmt: skip


class _Pieces:
    """A read-only file over several buffers, for COPY … FROM STDIN, without joining them."""

    def __init__(self, *parts: Any) -> None:
        self._parts = [memoryview(part).cast("B") for part in parts]

    def read(self, size: int = -1) -> bytes:
        while self._parts and len(self._parts[0]) == 0:
            self._parts.pop(0)
        if not self._parts:
            return b""
        head = self._parts[0]
        size = len(head) if size is None or size < 0 else size
        chunk, self._parts[0] = head[:size], head[size:]
        return chunk.tobytes()

    def readline(self, size: int = -1) -> bytes:  # pragma: no cover - COPY reads by size
        return self.read(size)


def write_frame_binary(table: str, spec: Sequence[tuple[str, str]], frame: pd.DataFrame) -> int:
    """Write `frame` into `table` through COPY … FROM STDIN (FORMAT binary) into a temporary table, then
    one INSERT … SELECT (COPY FROM is refused on a table under row-level security).

    The rows are laid out by numpy as fixed-width binary tuples, so a million rows cost a fraction of a
    second in Python: NULLs travel as NaN (floats) or -1 (small integers) and are turned back by NULLIF;
    dates as days since 2000-01-01; text and JSON as codes into a list of their distinct values.
    `spec` is [(column, kind)] with kind one of int8, int4, int2, float8, date, text, json (-1 in an int2
    column is NULL)."""
    n = len(frame)
    fields: list[tuple[str, str]] = [("count", ">i2")]
    lookups: dict[str, list[str]] = {}
    values: dict[str, np.ndarray] = {}
    for column, kind in spec:
        series = frame[column]
        if kind in ("text", "json"):
            codes, uniques = pd.factorize(series.astype(str), sort=False)
            lookups[column] = [str(u) for u in uniques]
            values[column] = codes.astype(np.int32) + 1  # 1-based: unnest WITH ORDINALITY
            dtype = (">i4", 4)
        elif kind == "date":
            days = pd.to_datetime(series).to_numpy().astype("datetime64[D]")
            values[column] = (days - _PG_EPOCH).astype(np.int32)
            dtype = _BINARY[kind]
        elif kind == "float8":
            values[column] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            dtype = _BINARY[kind]
        else:
            values[column] = series.to_numpy(dtype=np.float64, na_value=-1).astype(np.int64)
            dtype = _BINARY[kind]
        fields += [(f"{column}__len", ">i4"), (column, dtype[0])]
    rows = np.zeros(n, dtype=np.dtype(fields))
    rows["count"] = len(spec)
    for column, kind in spec:
        size = 4 if kind in ("text", "json") else _BINARY[kind][1]
        rows[f"{column}__len"] = size
        rows[column] = values.pop(column)
    # Header, the rows' own memory and the trailer, read in pieces by COPY: no copy of the rows (a million
    # rows are some 400 MB; joining them into one bytes object held them three times at the peak).
    payload = _Pieces(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0), rows, struct.pack(">h", -1))

    names = ", ".join(column for column, _kind in spec)
    load_columns = ", ".join(f"{column} {_SQL_TYPE[kind]}" for column, kind in spec)
    select_items = []
    joins = []
    params: list[Any] = []
    for column, kind in spec:
        if kind in ("text", "json"):
            alias = f"lk_{column}"
            cast = "::jsonb" if kind == "json" else ""
            # Each distinct value is cast once (a fenced subquery), not once per row.
            joins.append(
                f"JOIN (SELECT value{cast} AS value, code "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS u(value, code) "
                f"OFFSET 0) AS {alias} ON {alias}.code = l.{column}"
            )
            params.append(lookups[column])
            select_items.append(f"{alias}.value")
        elif kind == "float8":
            select_items.append(f"NULLIF(l.{column}, 'NaN'::float8)")
        elif kind == "date":
            select_items.append(f"date '2000-01-01' + l.{column}")
        elif kind == "int2":
            select_items.append(f"NULLIF(l.{column}, -1)")
        else:
            select_items.append(f"l.{column}")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE seg_load_binary ({load_columns}) ON COMMIT DROP")
        # The buffer size positional: Django's debug cursor (DEBUG on) passes no keyword arguments.
        cursor.copy_expert("COPY seg_load_binary FROM STDIN WITH (FORMAT binary)", payload, 1 << 20)
        del payload, rows
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {', '.join(select_items)} FROM seg_load_binary l "
            + " ".join(joins),
            params,
        )
        count = cursor.rowcount
        cursor.execute("DROP TABLE seg_load_binary")
    return count
