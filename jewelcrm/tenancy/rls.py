"""PostgreSQL row-level security on every brand-owned table, applied after each migrate.

Every table with a `brand_id` column gets RLS enabled and FORCED (so even the owner is subject to it)
and one policy that compares `brand_id` with the transaction-local setting `jewelcrm.brand_id`.
An empty or missing setting compares to NULL, so it yields no rows and refuses every write.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

POLICY = "brand_isolation"
BRAND_EXPR = "NULLIF(current_setting('jewelcrm.brand_id', true), '')::bigint"
USER_EXPR = "NULLIF(current_setting('jewelcrm.user_id', true), '')::bigint"


def brand_tables() -> list[tuple[str, str]]:
    """(table, extra condition) of every concrete model with a brand column."""
    tables = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.column for f in model._meta.concrete_fields}
        if "brand_id" in names:
            extra = getattr(model, "rls_extra_using", "")
            tables.append((model._meta.db_table, extra))
    return sorted(set(tables))


def policy_sql(table: str, extra: str = "") -> list[str]:
    using = f"brand_id = {BRAND_EXPR}"
    if extra:
        using = f"({using}) OR ({extra.format(user=USER_EXPR)})"
    check = f"brand_id = {BRAND_EXPR}"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({using}) WITH CHECK ({check})',
    ]


def grant_sql(app_role: str) -> list[str]:
    return [
        f'GRANT USAGE ON SCHEMA public TO "{app_role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app_role}"',
        f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"',
        f'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO "{app_role}"',
    ]


def apply(using: str = "default") -> int:
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise ImproperlyConfigured(f"Row-level security needs PostgreSQL, not {connection.vendor}.")
    app_role = settings.DATABASE_ROLES.get("app", {}).get("USER")
    if connection.settings_dict["USER"] == app_role:
        return 0  # e.g. a test flush: the application role may not alter tables
    tables = brand_tables()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        existing = {row[0] for row in cursor.fetchall()}
        for table, extra in tables:
            if table in existing:
                for statement in policy_sql(table, extra):
                    cursor.execute(statement)
        if app_role:
            for statement in grant_sql(app_role):
                cursor.execute(statement)
    return len(tables)


def apply_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Connected to this app's post_migrate, which fires after the whole migration plan has run."""
    apply(using)
