"""`manage.py citus_setup --coordinator HOST:PORT --worker HOST:PORT ...`: make a Citus cluster ready.

For deployments whose nodes already run (e.g. the `citus` profile of docker-compose): on every node the
`citus` extension in the database (run `db_setup` against each node first: roles and database); on the
coordinator its own host, the workers registered, and `citus.propagate_set_commands = 'local'` so the
brand setting reaches the shards. Idempotent. Uses the administrative login of DATABASE_URL.
"""

from typing import Any

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg2 import sql


def _connect(node: str, dbname: str) -> Any:
    host, _, port = node.partition(":")
    admin = settings.DATABASE_ROLES["admin"]
    conn = psycopg2.connect(
        dbname=dbname, user=admin["USER"], password=admin["PASSWORD"] or None, host=host, port=port or 5432
    )
    conn.autocommit = True
    return conn


class Command(BaseCommand):
    help = "Create the citus extension on every node and register the workers with the coordinator."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--coordinator", required=True, help="host:port")
        parser.add_argument("--worker", action="append", default=[], help="host:port (repeat)")

    def handle(self, *args: Any, **options: Any) -> None:
        dbname = settings.DATABASES["default"]["NAME"]
        for node in [*options["worker"], options["coordinator"]]:
            with _connect(node, dbname) as conn, conn.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS citus")
        with _connect(options["coordinator"], dbname) as conn, conn.cursor() as cursor:
            host, _, port = options["coordinator"].partition(":")
            cursor.execute("SELECT citus_set_coordinator_host(%s, %s)", [host, int(port or 5432)])
            for worker in options["worker"]:
                w_host, _, w_port = worker.partition(":")
                cursor.execute(
                    "SELECT citus_add_node(%s, %s) WHERE NOT EXISTS "
                    "(SELECT 1 FROM pg_dist_node WHERE nodename = %s AND nodeport = %s)",
                    [w_host, int(w_port or 5432), w_host, int(w_port or 5432)],
                )
            cursor.execute(
                sql.SQL("ALTER DATABASE {} SET citus.propagate_set_commands = 'local'").format(
                    sql.Identifier(dbname)
                )
            )
        self.stdout.write(f"citus: {dbname} ready, workers {', '.join(options['worker'])}")
