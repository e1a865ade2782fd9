"""`migrate`, run as the owner role (the application role may not create tables)."""

from typing import Any

from django.core.management.commands.migrate import Command as MigrateCommand

from jewelcrm.tenancy.roles import as_role


class Command(MigrateCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        with as_role("owner", options.get("database") or "default"):
            super().handle(*args, **options)
