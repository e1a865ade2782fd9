"""`manage.py db_restore FILE --database-name NAME`: restore a dump of `db_backup` into a new database,
then check that row-level security protects every brand table there (`rls_check` on the new database)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jewelcrm.tenancy.backup import BackupError, database_restore


class Command(BaseCommand):
    help = "Restore a db_backup dump into a new database (roles from db_setup) and check row-level security."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="a dump written by db_backup")
        parser.add_argument("--database-name", required=True, help="the new database (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tables = database_restore(path=options["file"], database_name=options["database_name"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        name = options["database_name"]
        self.stdout.write(f"database {name}: restored; row-level security: {tables} brand tables protected.")
