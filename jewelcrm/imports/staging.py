"""PostgreSQL staging tables for set-based imports: COPY a chunk in, merge once.

Temporary tables (ON COMMIT DROP) are private to the connection, carry no row-level security and
vanish with the import's transaction. The merge statements that read them write the brand's real
tables inside brand_context, so the RLS policies check every row written.

On Citus, an `INSERT INTO <brand table> … SELECT … FROM <temporary table>` would be executed as a COPY
into the shards, which PostgreSQL refuses on tables under row-level security. `sql()` therefore runs such
a statement through `jewelcrm.tenancy.distribution.execute_insert_select`: its SELECT, then multi-row
INSERTs of the rows it returned, which Citus routes to the brand's shard as plain INSERTs.
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

NULL = "\\N"
_counter = itertools.count(1)


def staging_name(prefix: str) -> str:
    return f"import_{prefix}_{next(_counter)}"


def staging_create(name: str, columns: Sequence[tuple[str, str]]) -> None:
    cols = ", ".join(f"{col} {sql_type}" for col, sql_type in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({cols}) ON COMMIT DROP")


def _cell(value: Any) -> Any:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def staging_copy(name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows (tuples in `columns` order) into the staging table; returns the number copied."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    count = 0
    cell = _cell
    for row in rows:
        writer.writerow([v if v.__class__ is str else cell(v) for v in row])
        count += 1
    if not count:
        return 0
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')", buffer
        )
    return count


_local = threading.local()


def csv_line(values: Sequence[Any]) -> str:
    """One row in COPY's CSV format; built where the row is cleaned (possibly a worker process), so the
    process that talks to the database only joins lines. Thread-safe (one buffer per thread)."""
    buffer = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = io.StringIO()
        _local.writer = csv.writer(buffer, lineterminator="\n")
    buffer.seek(0)
    buffer.truncate()
    _local.writer.writerow([v if v.__class__ is str else _cell(v) for v in values])
    return buffer.getvalue()


def staging_copy_text(name: str, columns: Sequence[str], text: str) -> None:
    """COPY rows already formatted by csv_line() into the staging table."""
    if not text:
        return
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')",
            io.StringIO(text),
        )


def sql(statement: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
    """Run one statement; returns the row count."""
    from jewelcrm.tenancy.distribution import execute_insert_select

    with connection.cursor() as cursor:
        written = execute_insert_select(cursor, statement, params)
        if written is not None:
            return written
        cursor.execute(statement, params)
        return cursor.rowcount


def sql_rows(statement: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def model_defaults(model: Any, provided: Iterable[str]) -> tuple[list[str], list[Any]]:
    """Columns of `model` not in `provided`, with the values Django would give them on save().

    Lets a raw INSERT ... SELECT keep working when a column with a default is added to the model.
    Nullable columns without a default are left out (NULL).
    """
    from django.utils import timezone

    provided = set(provided)
    columns: list[str] = []
    params: list[Any] = []
    for f in model._meta.concrete_fields:
        if f.column in provided or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = timezone.now()
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            continue
        elif getattr(f, "empty_strings_allowed", False):
            value = ""
        else:
            continue
        columns.append(f.column)
        params.append(f.get_db_prep_save(value, connection))
    return columns, params
