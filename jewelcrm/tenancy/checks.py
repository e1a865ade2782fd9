"""Verify, on a live PostgreSQL database, that row-level security really protects every brand table.

Used by `manage.py rls_check` (run after `migrate` in deployments) and by the isolation suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from jewelcrm.tenancy import rls


@dataclass
class RLSReport:
    brand_tables: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def rls_report(using: str = "default") -> RLSReport:
    """Every base table with a `brand_id` column must have RLS enabled and forced and the brand policy;
    the application role must not be superuser, bypass RLS, or own anything."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise ImproperlyConfigured(
            f"Row-level security needs PostgreSQL; the database {using!r} is {connection.vendor}."
        )
    with connection.cursor() as cursor:
        return rls_report_for_cursor(cursor)


def rls_report_for_cursor(cursor: Any) -> RLSReport:
    """The same checks over any DB-API cursor of the database (e.g. a restored copy, `backup.py`)."""
    report = RLSReport()
    cursor.execute(
        "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = 'public' AND c.column_name = 'brand_id' AND t.table_type = 'BASE TABLE' "
        "ORDER BY 1"
    )
    report.brand_tables = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
    )
    flags = {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}
    cursor.execute(
        "SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public'"
    )
    policies: dict[str, list[tuple[str, str, str]]] = {}
    for table, name, qual, check in cursor.fetchall():
        policies.setdefault(table, []).append((name, qual or "", check or ""))
    for table in report.brand_tables:
        enabled, forced = flags.get(table, (False, False))
        if not enabled:
            report.problems.append(f"{table}: row-level security is not enabled")
        if not forced:
            report.problems.append(f"{table}: row-level security is not forced")
        found = policies.get(table, [])
        if [name for name, _q, _c in found] != [rls.POLICY]:
            report.problems.append(f"{table}: expected exactly the policy {rls.POLICY}, found {found!r}")
        elif "jewelcrm.brand_id" not in found[0][2]:
            report.problems.append(f"{table}: the policy does not check writes against the brand")
    app_role = settings.DATABASE_ROLES.get("app", {}).get("USER")
    if app_role:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [app_role])
        row = cursor.fetchone()
        if row is None:
            report.problems.append(f"role {app_role} does not exist (run manage.py db_setup)")
        else:
            if row[0]:
                report.problems.append(f"role {app_role} is a superuser")
            if row[1]:
                report.problems.append(f"role {app_role} may bypass row-level security")
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relowner = %s::regrole",
                [app_role],
            )
            owned = cursor.fetchone()[0]
            if owned:
                report.problems.append(f"role {app_role} owns {owned} relation(s)")
    return report
