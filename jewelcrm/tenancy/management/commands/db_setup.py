"""Create the owner and application roles and the database on PostgreSQL (idempotent).

Uses the administrative login of DATABASE_URL (the embedded server's `postgres` without it).
"""

from typing import Any

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg2 import sql


class Command(BaseCommand):
    help = "Create the PostgreSQL owner and application roles and the database, if missing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--roles-only", action="store_true", help="create or update the roles, not the database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        roles = settings.DATABASE_ROLES
        conn = psycopg2.connect(
            dbname="postgres",
            user=roles["admin"]["USER"],
            password=roles["admin"]["PASSWORD"] or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
        )
        conn.autocommit = True
        with conn.cursor() as cur:
            for name, options_sql in (
                ("owner", "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOBYPASSRLS"),
                ("app", "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"),
            ):
                role = roles[name]
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role["USER"]])
                verb = "ALTER" if cur.fetchone() else "CREATE"
                statement = sql.SQL("{} ROLE {} " + options_sql).format(
                    sql.SQL(verb), sql.Identifier(role["USER"])
                )
                if role["PASSWORD"]:
                    statement = statement + sql.SQL(" PASSWORD {}").format(sql.Literal(role["PASSWORD"]))
                try:
                    cur.execute(statement)
                except psycopg2.errors.UniqueViolation:  # created concurrently
                    pass
                self.stdout.write(f"role {role['USER']}: ok")
            if not options.get("roles_only"):
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
                if not cur.fetchone():
                    cur.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(db["NAME"]), sql.Identifier(roles["owner"]["USER"])
                        )
                    )
                    self.stdout.write(f"database {db['NAME']}: created")
                else:
                    self.stdout.write(f"database {db['NAME']}: exists")
        conn.close()
