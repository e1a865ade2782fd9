"""Which PostgreSQL role the default connection logs in as.

- `app` (the default at run time): owns no table, not superuser, no BYPASSRLS;
- `owner`: owns the tables; runs migrations;
- `admin`: the login of DATABASE_URL; creates the two roles and the database (`db_setup`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections


def use_role(role: str, using: str = "default") -> None:
    if not settings.DATABASE_ROLES:
        return
    connection = connections[using]
    credentials = settings.DATABASE_ROLES[role]
    if connection.settings_dict["USER"] != credentials["USER"]:
        connection.close()
        connection.settings_dict.update(credentials)


def current_role(using: str = "default") -> str | None:
    if not settings.DATABASE_ROLES:
        return None
    user = connections[using].settings_dict["USER"]
    return next((name for name, c in settings.DATABASE_ROLES.items() if c["USER"] == user), None)


@contextmanager
def as_role(role: str, using: str = "default") -> Iterator[None]:
    previous = current_role(using)
    use_role(role, using)
    try:
        yield
    finally:
        if previous:
            use_role(previous, using)
