"""`manage.py db_backup FILE`: a consistent dump of the whole database (every brand) in pg_dump's
custom format, read as the administrative login (the only one that reads every brand's rows: row-level
security is forced on the owner too). Roles are not in the dump (`db_setup` recreates them from the
configuration); media files are backed up apart (see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jewelcrm.tenancy.backup import database_dump


class Command(BaseCommand):
    help = "Dump the whole database (pg_dump custom format) to FILE, as the administrative login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="where to write the dump")
        parser.add_argument(
            "--database-name", default="", help="the database to dump (default: the configured one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = database_dump(path=options["file"], database_name=options["database_name"])
        self.stdout.write(f"database {name}: dumped to {options['file']}")
