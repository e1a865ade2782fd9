"""Brand tables shaped for distribution by `brand_id`, on plain PostgreSQL and on Citus alike.

One rule, applied to every model by the schema editor of `jewelcrm.tenancy.backends.postgresql` (so a
model added later needs no hand-written SQL), and checked against the catalog:

- a **brand table** is the table of a concrete model with a `brand_id` column (the same rule as row-level
  security, `jewelcrm.tenancy.rls`). At the database level its primary key is `(brand_id, id)`, every
  unique constraint and unique index starts with `brand_id`, and every foreign key to another brand table
  is `(brand_id, <column>) → (brand_id, id)`. Django keeps `id` as the model's primary key.
- every other table of a model is a **reference table** on Citus (copied to every node: brands, users,
  shared reference data, Django's contrib tables), except the few in `LOCAL_TABLES`, which stay on the
  coordinator only (Django's migration ledger, sessions).
- a table without `brand_id` may not reference a brand table (Citus cannot hold that foreign key):
  the link needs a model with `brand` (e.g. an explicit many-to-many through model).

On a Citus coordinator (the `citus` extension is installed in the database) the schema editor also
distributes each brand table by `brand_id` (colocated with the others) and makes the other tables
reference tables, as it creates them. `conform_all` repairs a database created before these rules and
`problems` lists what breaks them (the catalog test and `manage.py rls_check` use it).
"""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.db import connections
from django.db.models import Model
from psycopg2.extras import Json, execute_values

BRAND_COLUMN = "brand_id"
# Tables that stay on a Citus coordinator only: no foreign key to or from them.
LOCAL_TABLES = frozenset({"django_migrations", "django_session"})


def is_brand_model(model: type[Model]) -> bool:
    if model._meta.proxy or not model._meta.managed:
        return False
    return any(f.column == BRAND_COLUMN for f in model._meta.concrete_fields)


def brand_column_field(model: type[Model]) -> Any:
    return next(f for f in model._meta.concrete_fields if f.column == BRAND_COLUMN)


def project_models() -> list[type[Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def brand_table_names() -> set[str]:
    return {m._meta.db_table for m in project_models() if is_brand_model(m)}


def is_citus(connection: Any) -> bool:
    """The database is a Citus coordinator (the extension is installed in it)."""
    if connection.vendor != "postgresql":
        return False
    cached = getattr(connection, "_jewelcrm_is_citus", None)
    if cached is not None and connection.connection is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        value = cursor.fetchone() is not None
    connection._jewelcrm_is_citus = value
    return value


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- reading the catalog --------------------------------------------------------------------


def _constraints(cursor: Any, table: str) -> list[dict[str, Any]]:
    """Primary keys, unique constraints, unique indexes and foreign keys of a table."""
    cursor.execute(
        """
        SELECT c.conname, c.contype,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
               c.confrelid::regclass::text,
               ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i),
               c.condeferrable, c.condeferred, NULL
          FROM pg_constraint c
         WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'f')
        UNION ALL
        SELECT i.relname, 'i',
               ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o),
               NULL, NULL, false, false, pg_get_indexdef(x.indexrelid)
          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = %s::regclass AND x.indisunique
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        """,
        [_q(table), _q(table)],
    )
    keys = ("name", "type", "columns", "ref_table", "ref_columns", "deferrable", "deferred", "indexdef")
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _existing_tables(cursor: Any) -> set[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row[0] for row in cursor.fetchall()}


def _distribution(cursor: Any) -> dict[str, tuple[str, str | None]]:
    """table → (kind, distribution column): kind 'distributed', 'reference' or 'local'."""
    cursor.execute(
        """SELECT logicalrelid::regclass::text, partmethod,
                  CASE WHEN partmethod = 'h' THEN column_to_column_name(logicalrelid, partkey) END
             FROM pg_dist_partition"""
    )
    kinds = {"h": "distributed", "n": "reference"}
    return {
        table.strip('"'): (kinds.get(method, "local"), column) for table, method, column in cursor.fetchall()
    }


def problems(using: str = "default") -> list[str]:
    """Every brand table whose keys lack brand_id, and (on Citus) every table in the wrong place."""
    connection = connections[using]
    found: list[str] = []
    models = project_models()
    brand_tables = {m._meta.db_table for m in models if is_brand_model(m)}
    for model in models:
        if is_brand_model(model):
            continue
        for field in model._meta.concrete_fields:
            target = getattr(field, "related_model", None)
            if field.is_relation and target is not None and is_brand_model(target) and field.db_constraint:  # type: ignore[attr-defined]
                found.append(
                    f"{model._meta.db_table}.{field.column}: a table without brand_id references the brand "
                    f"table {target._meta.db_table} (give the model a brand, e.g. an explicit through model)"
                )
    if connection.vendor != "postgresql":
        return found
    with connection.cursor() as cursor:
        existing = _existing_tables(cursor)
        for table in sorted(brand_tables & existing):
            for c in _constraints(cursor, table):
                columns = list(c["columns"])
                if c["type"] == "p" and columns != [BRAND_COLUMN, "id"]:
                    found.append(f"{table}: primary key {c['name']} is {columns}, not [brand_id, id]")
                elif c["type"] in ("u", "i") and BRAND_COLUMN not in columns:
                    found.append(f"{table}: unique {c['name']} on {columns} lacks brand_id")
                elif c["type"] == "f" and c["ref_table"].strip('"') in brand_tables:
                    if columns[:1] != [BRAND_COLUMN] or list(c["ref_columns"])[:1] != [BRAND_COLUMN]:
                        found.append(
                            f"{table}: foreign key {c['name']} {columns} → {c['ref_table']}"
                            f"{list(c['ref_columns'])} lacks brand_id on both sides"
                        )
        if is_citus(connection):
            placed = _distribution(cursor)
            for model in models:
                table = model._meta.db_table
                if table not in existing:
                    continue
                kind, column = placed.get(table, ("local", None))
                if table in brand_tables:
                    if (kind, column) != ("distributed", BRAND_COLUMN):
                        found.append(f"{table}: brand table not distributed by brand_id on Citus ({kind})")
                elif table not in LOCAL_TABLES and kind != "reference":
                    found.append(f"{table}: shared table is not a reference table on Citus ({kind})")
    return found


# --- shaping a table ------------------------------------------------------------------------


def _with_brand_indexdef(indexdef: str) -> str:
    """`CREATE UNIQUE INDEX n ON t USING btree (a, b) WHERE …` → `… USING btree (brand_id, a, b) …`."""
    return re.sub(r"USING (\w+) \(", lambda m: f"USING {m.group(1)} ({BRAND_COLUMN}, ", indexdef, count=1)


def conform_table_sql(cursor: Any, table: str, brand_tables: set[str]) -> dict[str, list[str]]:
    """Statements that bring one brand table to the rule, by kind (foreign keys apart: they depend on
    the primary keys, so they are dropped first and created last)."""
    fk_drops: list[str] = []
    drops: list[str] = []
    creates: list[str] = []
    fk_creates: list[str] = []
    for c in _constraints(cursor, table):
        columns = list(c["columns"])
        name = _q(c["name"])
        if c["type"] == "p" and columns != [BRAND_COLUMN, "id"]:
            drops.append(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {name}")
            creates.append(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {name} PRIMARY KEY ({BRAND_COLUMN}, id)")
        elif c["type"] == "u" and BRAND_COLUMN not in columns:
            drops.append(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {name}")
            cols = ", ".join(_q(x) for x in [BRAND_COLUMN, *columns])
            creates.append(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {name} UNIQUE ({cols})")
        elif c["type"] == "i" and BRAND_COLUMN not in columns:
            drops.append(f"DROP INDEX {name}")
            creates.append(_with_brand_indexdef(c["indexdef"]))
        elif c["type"] == "f" and c["ref_table"].strip('"') in brand_tables and columns[:1] != [BRAND_COLUMN]:
            ref_table = c["ref_table"].strip('"')
            deferrable = " DEFERRABLE INITIALLY DEFERRED" if c["deferred"] else ""
            cols = ", ".join(_q(x) for x in [BRAND_COLUMN, *columns])
            ref_cols = ", ".join(_q(x) for x in [BRAND_COLUMN, *c["ref_columns"]])
            fk_drops.append(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {name}")
            fk_creates.append(
                f"ALTER TABLE {_q(table)} ADD CONSTRAINT {name} FOREIGN KEY ({cols}) "
                f"REFERENCES {_q(ref_table)} ({ref_cols}){deferrable}"
            )
    return {"fk_drops": fk_drops, "drops": drops, "creates": creates, "fk_creates": fk_creates}


def conform_all(using: str = "default") -> int:
    """Bring every existing brand table to the rule, and on Citus place every table. Idempotent.

    Needed only for a database created before the rule (the schema editor applies it as tables are
    created); run after every migrate. Returns the number of statements executed.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    brand_tables = brand_table_names()
    executed = 0
    with connection.cursor() as cursor:
        existing = _existing_tables(cursor)
        parts: dict[str, list[str]] = {"fk_drops": [], "drops": [], "creates": [], "fk_creates": []}
        for table in sorted(brand_tables & existing):
            for kind, statements in conform_table_sql(cursor, table, brand_tables).items():
                parts[kind] += statements
        ordered = parts["fk_drops"] + parts["drops"] + parts["creates"]
        if is_citus(connection):
            ordered += place_sql(cursor, existing)
        ordered += parts["fk_creates"]
        for statement in ordered:
            cursor.execute(statement)
            executed += 1
    return executed


def place_sql(cursor: Any, existing: set[str] | None = None) -> list[str]:
    """Citus: the calls that distribute brand tables and make shared tables reference tables."""
    existing = existing if existing is not None else _existing_tables(cursor)
    placed = _distribution(cursor)
    brand_tables = brand_table_names()
    statements = []
    # Referenced tables before the tables that reference them; shared tables before brand tables.
    for model in sorted(_dependency_order(project_models()), key=lambda m: m._meta.db_table in brand_tables):
        table = model._meta.db_table
        if table not in existing or table in placed or table in LOCAL_TABLES:
            continue
        statements.append(placement_statement(table, table in brand_tables))
    return statements


def _dependency_order(models: list[type[Model]]) -> list[type[Model]]:
    ordered: list[type[Model]] = []
    seen: set[type[Model]] = set()

    def visit(model: type[Model]) -> None:
        if model in seen:
            return
        seen.add(model)
        for field in model._meta.concrete_fields:
            target = getattr(field, "related_model", None)
            if field.is_relation and target is not None and target is not model:
                visit(target._meta.concrete_model)
        ordered.append(model)

    for model in sorted(models, key=lambda m: m._meta.label):
        visit(model)
    return ordered


def placement_statement(table: str, is_brand: bool) -> str:
    literal = "'" + _q(table).replace("'", "''") + "'"
    if is_brand:
        return f"SELECT create_distributed_table({literal}, '{BRAND_COLUMN}', colocate_with => 'default')"
    return f"SELECT create_reference_table({literal})"


# --- set-based writes under row-level security on Citus ------------------------------------------

_INSERT_SELECT = re.compile(
    r"^\s*(?P<with>WITH\s.*?)?\bINSERT INTO (?P<table>\S+) \((?P<columns>[^)]*)\)\s+(?P<select>SELECT\s.*)$",
    re.S | re.I,
)
_ON_CONFLICT = re.compile(r"\sON CONFLICT\s.*$", re.S | re.I)
INSERT_BATCH = 1000


def execute_insert_select(cursor: Any, statement: str, params: Any = ()) -> int | None:
    """Run `INSERT INTO t (cols) SELECT …` so that it also works on Citus under row-level security.

    Citus executes an INSERT … SELECT it cannot push down to the shards (a source that is a temporary
    table, an aggregate across tables, a brand id given as a parameter) as a COPY into the shards, and
    PostgreSQL refuses COPY into a table under row-level security. On Citus this runs the SELECT, then
    multi-row INSERTs of its rows (same columns, same ON CONFLICT clause), which Citus routes to the
    brand's shard as plain INSERTs checked by the policies; it returns the number of rows written.
    Elsewhere, or for any other statement, it returns None and does nothing: run the statement as usual.
    """
    match = _INSERT_SELECT.match(statement)
    if not match or " RETURNING " in statement.upper() or not is_citus(cursor.db):
        return None
    table, columns, select = match.group("table", "columns", "select")
    conflict = _ON_CONFLICT.search(select)
    tail = conflict.group(0) if conflict else ""
    if conflict:
        select = select[: conflict.start()]
    cursor.execute((match.group("with") or "") + select, params)
    rows = [tuple(Json(v) if isinstance(v, (dict, list)) else v for v in row) for row in cursor.fetchall()]
    written = 0
    for start in range(0, len(rows), INSERT_BATCH):
        execute_values(
            cursor.cursor,
            f"INSERT INTO {table} ({columns}) VALUES %s{tail}",
            rows[start : start + INSERT_BATCH],
            page_size=INSERT_BATCH,
        )
        written += max(cursor.cursor.rowcount, 0)
    return written
