"""Backup and restore of the database with PostgreSQL's own tools (pg_dump, pg_restore).

- The dump is read as the administrative login (`DATABASE_URL`): row-level security is forced on every
  brand table, even for the owner, so only a superuser (or a role with BYPASSRLS) reads every brand.
- The dump keeps the tables' owner, the policies, the forced row-level security and the grants; roles
  are cluster-wide and not in it: `db_setup` recreates them from the configuration before a restore.
- A restore goes into a new database owned by the owner role, then `rls_check` runs against it.
See docs/operations.md.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess  # noqa: S404 - runs PostgreSQL's own client tools with fixed arguments
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections


class BackupError(Exception):
    pass


def _admin_env() -> dict[str, str]:
    db = connections["default"].settings_dict
    admin = settings.DATABASE_ROLES["admin"]
    env = {**os.environ, "PGUSER": admin["USER"]}
    if admin["PASSWORD"]:
        env["PGPASSWORD"] = admin["PASSWORD"]
    if db.get("HOST"):
        env["PGHOST"] = str(db["HOST"])
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    return env


def _tool(name: str) -> str:
    """The PostgreSQL client tool: the embedded server's own when the database is the embedded one (its
    version, and a bare machine has no other), else the machine's."""
    from jewelcrm.dbserver import DATA_DIR, embedded_binary

    host = str(settings.DATABASES["default"].get("HOST") or "")
    if host and Path(host).resolve() == DATA_DIR:
        embedded = embedded_binary(name)
        if embedded is not None:
            return str(embedded)
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client).")
    return path


def _run(args: list[str]) -> None:
    done = subprocess.run(args, env=_admin_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{os.path.basename(args[0])} failed: {done.stderr.strip()[:2000]}")


def database_dump(*, path: str, database_name: str = "") -> str:
    """Write the whole database, every brand, to `path` (custom format). Returns the database's name."""
    name = database_name or connections["default"].settings_dict["NAME"]
    _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={path}", f"--dbname={name}"])
    return name


def _admin_connection(dbname: str) -> Any:
    import psycopg2

    env = _admin_env()
    conn = psycopg2.connect(
        dbname=dbname,
        user=env["PGUSER"],
        password=env.get("PGPASSWORD") or None,
        host=env.get("PGHOST") or None,
        port=env.get("PGPORT") or None,
    )
    conn.autocommit = True
    return conn


def database_restore(*, path: str, database_name: str) -> int:
    """Restore `path` into the new database `database_name`; returns the number of brand tables whose
    row-level security was checked. Raises BackupError and leaves no half-restored database."""
    from psycopg2 import sql

    from jewelcrm.tenancy.checks import rls_report_for_cursor

    if not os.path.isfile(path):
        raise BackupError(f"No dump at {path}.")
    call_command("db_setup", "--roles-only", stdout=io.StringIO())  # the roles, from the configuration
    owner = settings.DATABASE_ROLES["owner"]["USER"]
    conn = _admin_connection("postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name])
            if cursor.fetchone():
                raise BackupError(f"The database {database_name} exists already: restore into a new one.")
            cursor.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database_name), sql.Identifier(owner)
                )
            )
        try:
            _run(
                [
                    _tool("pg_restore"),
                    "--exit-on-error",
                    "--single-transaction",
                    "--no-password",
                    f"--dbname={database_name}",
                    path,
                ]
            )
            restored = _admin_connection(database_name)
            try:
                with restored.cursor() as cursor:
                    report = rls_report_for_cursor(cursor)
            finally:
                restored.close()
            if not report.ok:
                raise BackupError("Row-level security check failed:\n  " + "\n  ".join(report.problems))
        except BaseException:
            with conn.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database_name)))
            raise
    finally:
        conn.close()
    return len(report.brand_tables)
