"""`manage.py citus_growth_drill`: grow a Citus cluster while the application works; check it still does.

Run against a Citus coordinator that has a third worker started and registered but still empty
(`bin/citus-growth-drill` does all of it). While two threads keep working as the application role (each
brand in turn: read its customers and registrations, write an audit row), the drill:
1. rebalances the shards onto every worker (`rebalance_table_shards`);
2. isolates the largest brand to shards of its own (`isolate_tenant_to_new_shard(..., 'CASCADE')`) and
   moves them to the newest worker;
then checks that every brand's counts are what they were, that no application call failed, and prints
where the shards are. Exit code 1 on any failure.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.distribution import is_citus
from jewelcrm.tenancy.roles import as_role

# The platform layer reads the domain's tables by name only (the app map: tenancy imports no domain app).
COUNTED = ("customers_customer", "warranties_registration")


def _counts(brand_id: int) -> tuple[int, ...]:
    with brand_context(brand_id), connection.cursor() as cursor:
        counts = []
        for table in COUNTED:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant table names
            counts.append(cursor.fetchone()[0])
        return tuple(counts)


class Command(BaseCommand):
    help = "Rebalance onto a new worker and isolate the largest brand while the application works."

    def handle(self, *args: Any, **options: Any) -> None:
        if not is_citus(connection):
            raise CommandError("Not a Citus coordinator.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM accounts_brand ORDER BY id")
            brands = [row[0] for row in cursor.fetchall()]
        if not brands:
            raise CommandError("No brand: run seed_demo first.")
        before = {b: _counts(b) for b in brands}
        largest = max(brands, key=lambda b: before[b][0])
        stop = threading.Event()
        calls: list[int] = [0]
        failures: list[str] = []

        def work() -> None:
            try:
                while not stop.is_set():
                    for brand_id in brands:
                        try:
                            counts = _counts(brand_id)
                            if counts[0] < before[brand_id][0]:
                                failures.append(f"brand {brand_id}: {counts} < {before[brand_id]}")
                            with brand_context(brand_id), connection.cursor() as cursor:
                                cursor.execute(
                                    "INSERT INTO accounts_auditlog (brand_id, at, action, object_type, "
                                    "object_id, data) VALUES (%s, now(), 'growth_drill', '', '', '{}')",
                                    [brand_id],
                                )
                            calls[0] += 1
                        except Exception as error:  # noqa: BLE001 - every failure is reported
                            failures.append(f"brand {brand_id}: {type(error).__name__}: {error}")
                    time.sleep(0.05)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            with as_role("admin"), connection.cursor() as cursor:
                started = time.monotonic()
                # In this session (rebalance_table_shards), not as a background job: a coordinator serving
                # many databases may have no background worker left to run the job.
                cursor.execute("SELECT rebalance_table_shards(shard_transfer_mode => 'block_writes')")
                self.stdout.write(f"rebalanced in {time.monotonic() - started:.1f}s")
                started = time.monotonic()
                cursor.execute(
                    "SELECT s.shardid, s.shardminvalue = s.shardmaxvalue FROM pg_dist_shard s "
                    "WHERE s.shardid = get_shard_id_for_distribution_column('customers_customer', %s)",
                    [largest],
                )
                shard_id, isolated = cursor.fetchone()
                if not isolated:
                    cursor.execute(
                        "SELECT isolate_tenant_to_new_shard('customers_customer', %s, 'CASCADE', "
                        "shard_transfer_mode => 'block_writes')",
                        [largest],
                    )
                    shard_id = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT nodename, nodeport FROM pg_dist_shard_placement WHERE shardid = %s", [shard_id]
                )
                source = cursor.fetchone()
                cursor.execute(
                    """SELECT nodename, nodeport FROM pg_dist_node WHERE groupid > 0 AND noderole = 'primary'
                       ORDER BY nodeid DESC LIMIT 1"""
                )
                target = cursor.fetchone()
                if source != target:
                    cursor.execute(
                        "SELECT citus_move_shard_placement(%s, %s, %s, %s, %s, 'block_writes')",
                        [shard_id, source[0], source[1], target[0], target[1]],
                    )
                self.stdout.write(
                    f"brand {largest} isolated to shard {shard_id} on {target[0]}:{target[1]} "
                    f"in {time.monotonic() - started:.1f}s"
                )
                cursor.execute("SELECT nodeport, count(*) FROM pg_dist_shard_placement GROUP BY 1 ORDER BY 1")
                self.stdout.write("shard placements per worker port: " + str(dict(cursor.fetchall())))
            time.sleep(1)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        after = {b: _counts(b) for b in brands}
        self.stdout.write(f"application calls during the drill: {calls[0]}, failures: {len(failures)}")
        if failures or after != before or not calls[0]:
            raise CommandError(
                f"drill failed: counts before {before}, after {after}; failures: {failures[:5]}"
            )
        self.stdout.write(self.style.SUCCESS(f"every brand kept its rows: {after}"))
