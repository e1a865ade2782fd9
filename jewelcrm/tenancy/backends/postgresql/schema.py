"""The schema editor that shapes every brand table for distribution by `brand_id`.

Every migration, of every app, present or future, goes through it: no hand-written SQL per model.
For a model with a `brand_id` column (a brand table, `jewelcrm.tenancy.distribution`):
- the primary key is `(brand_id, id)` (Django still treats `id` as the primary key);
- every unique constraint and unique index gets `brand_id` in front when it lacks it;
- a foreign key to another brand table is `(brand_id, <column>) → (brand_id, id)`;
- a table without `brand_id` gets no foreign key to a brand table (the catalog check reports the model).
On a Citus coordinator it also distributes each brand table by `brand_id` (colocated with the others)
and makes every other table a reference table, right after creating it.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.ddl_references import Columns, Statement, Table
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor

from jewelcrm.tenancy.distribution import (
    BRAND_COLUMN,
    LOCAL_TABLES,
    brand_column_field,
    is_brand_model,
    is_citus,
    placement_statement,
)


def _pk_name(table: str) -> str:
    return f"{table[:58]}_pkey"


class DatabaseSchemaEditor(PostgresSchemaEditor):
    # Foreign keys of added columns go through _create_fk_sql (composite between brand tables).
    sql_create_column_inline_fk = None

    def __enter__(self) -> DatabaseSchemaEditor:
        super().__enter__()
        self.citus = not self.collect_sql and is_citus(self.connection)
        if self.citus:
            scope = "LOCAL " if self.connection.in_atomic_block else ""
            # Tables created, distributed and linked in one transaction: Citus needs one connection per
            # worker for that, and must not turn tables linked to reference tables into local ones.
            self.execute(f"SET {scope}citus.multi_shard_modify_mode TO 'sequential'")
            self.execute(f"SET {scope}citus.enable_local_reference_table_foreign_keys TO off")
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.deferred_sql = [sql for sql in self.deferred_sql if sql is not None]
        super().__exit__(exc_type, exc_value, traceback)

    def execute(self, sql: Any, params: Any = ()) -> None:
        if sql is None:  # a foreign key this schema editor chose not to create
            return
        super().execute(sql, params)

    # --- tables ---------------------------------------------------------------------------

    def create_model(self, model: Any) -> None:
        super().create_model(model)
        table = model._meta.db_table
        brand = is_brand_model(model)
        if brand:
            self.execute(
                f"ALTER TABLE {self.quote_name(table)} ADD CONSTRAINT {self.quote_name(_pk_name(table))} "
                f"PRIMARY KEY ({BRAND_COLUMN}, {self.quote_name(model._meta.pk.column)})"
            )
        if self.citus and table not in LOCAL_TABLES:
            self.execute(placement_statement(table, brand))

    def _iter_column_sql(
        self,
        column_db_type: Any,
        params: Any,
        model: Any,
        field: Any,
        field_db_params: Any,
        include_default: Any,
    ) -> Any:
        parts = super()._iter_column_sql(
            column_db_type, params, model, field, field_db_params, include_default
        )
        brand = is_brand_model(model)
        if not brand and not getattr(self, "adding_field", False):
            yield from parts
            return
        for part in parts:
            if part == "PRIMARY KEY" and brand:
                continue  # added as (brand_id, id) by create_model
            if part == "UNIQUE":
                # Named and separate: Citus refuses unnamed constraints in ADD COLUMN.
                self.deferred_sql.append(self._create_unique_sql(model, [field]))
                continue
            yield part

    def add_field(self, model: Any, field: Any) -> None:
        if not self.citus:
            super().add_field(model, field)
            return
        # Citus refuses a column added with an inline constraint: add the CHECK by name afterwards.
        check = field.db_parameters(connection=self.connection)["check"]
        self.adding_field, self.sql_check_constraint = True, ""
        try:
            super().add_field(model, field)
        finally:
            self.adding_field = False
            del self.sql_check_constraint
        if check and not field.many_to_many:
            name = self._create_index_name(model._meta.db_table, [field.column], suffix="_check")
            self.execute(self._create_check_sql(model, name, check))

    # --- unique constraints ---------------------------------------------------------------

    def _with_brand(self, model: Any, fields: Any) -> Any:
        if not fields or not is_brand_model(model) or any(f.column == BRAND_COLUMN for f in fields):
            return fields
        return [brand_column_field(model), *fields]

    def _unique_sql(self, model: Any, fields: Any, name: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._unique_sql(model, self._with_brand(model, fields), name, *args, **kwargs)

    def _create_unique_sql(self, model: Any, fields: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._create_unique_sql(model, self._with_brand(model, fields), *args, **kwargs)

    def _create_primary_key_sql(self, model: Any, field: Any) -> Any:
        if not is_brand_model(model) or field.column == BRAND_COLUMN:
            return super()._create_primary_key_sql(model, field)
        table = model._meta.db_table
        return Statement(
            self.sql_create_pk,
            table=Table(table, self.quote_name),
            name=self.quote_name(_pk_name(table)),
            columns=Columns(table, [BRAND_COLUMN, field.column], self.quote_name),
        )

    # --- foreign keys ---------------------------------------------------------------------

    def _create_fk_sql(self, model: Any, field: Any, suffix: str) -> Any:
        target = field.target_field.model
        if not is_brand_model(target) or field.column == BRAND_COLUMN:
            return super()._create_fk_sql(model, field, suffix)
        if not is_brand_model(model):
            return None  # impossible on Citus; reported by distribution.problems()
        table = model._meta.db_table
        to_table = target._meta.db_table
        return Statement(
            self.sql_create_fk,
            table=Table(table, self.quote_name),
            name=self._fk_constraint_name(model, field, suffix),
            column=Columns(table, [BRAND_COLUMN, field.column], self.quote_name),
            to_table=Table(to_table, self.quote_name),
            to_column=Columns(to_table, [BRAND_COLUMN, field.target_field.column], self.quote_name),
            deferrable=self.connection.ops.deferrable_sql(),
        )

    def _constraint_names(self, model: Any, column_names: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        """Find the constraints of a column of a brand table, whose keys start with brand_id."""
        names = super()._constraint_names(model, column_names, *args, **kwargs)
        keyed = kwargs.get("unique") or kwargs.get("foreign_key") or kwargs.get("primary_key")
        if names or not column_names or not keyed or not is_brand_model(model):
            return names
        if BRAND_COLUMN in column_names:
            return names
        return super()._constraint_names(model, [BRAND_COLUMN, *column_names], *args, **kwargs)
