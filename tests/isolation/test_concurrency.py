"""Isolation under concurrency: interleaved requests over reused connections, and a Celery worker
running tasks for two brands back to back. Both bypass the application's scoping and rely on RLS."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.test import Client

from jewelcrm.accounts.models import APIKey
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, StoreFactory, UserFactory

THREADS = 4
REQUESTS_PER_THREAD = 50  # 200 requests in all


@pytest.fixture
def persistent_connections() -> Iterator[None]:
    """CONN_MAX_AGE > 0, as in production: each thread keeps and reuses its connection."""
    settings_dict = connection.settings_dict  # shared by every thread's connection
    previous = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 600
    try:
        yield
    finally:
        settings_dict["CONN_MAX_AGE"] = previous


def _brand_with_rows(slug: str, prefix: str):
    brand = BrandFactory(slug=slug, name=slug.title(), code_prefix=prefix)
    store = StoreFactory(brand=brand, code=f"{prefix}-STORE")
    with brand_context(brand):
        APIKey.objects.create(brand=brand, name="k", prefix=prefix, hashed_key=f"hash-{prefix}")
    return brand, store


@pytest.mark.django_db(transaction=True)
def test_200_interleaved_requests_of_two_brands_never_see_each_other(persistent_connections, settings):
    settings.ROOT_URLCONF = "tests.isolation.urls"
    a, store_a = _brand_with_rows("maison-a", "AAA")
    b, store_b = _brand_with_rows("maison-b", "BBB")
    dealer = UserFactory(email="dealer@example.test")
    MembershipFactory(brand=a, user=dealer, role="sales_associate", store=store_a)
    MembershipFactory(brand=b, user=dealer, role="sales_associate", store=store_b)
    expected = {a.slug: (a.pk, [store_a.code]), b.slug: (b.pk, [store_b.code])}

    failures: list[str] = []
    pids: dict[int, set[int]] = {}
    done: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        client = Client()
        client.force_login(dealer)
        seen_pids: set[int] = set()
        try:
            start.wait()
            for i in range(REQUESTS_PER_THREAD):
                brand = a if (i + index) % 2 else b
                response = client.get(f"/b/{brand.slug}/isolation-probe/")
                # What the request handler does at the end of every request in production.
                close_old_connections()
                brand_id, codes = expected[brand.slug]
                body = response.json() if response.status_code == 200 else {}
                if body != {
                    "brand": brand_id,
                    "codes": codes,
                    "brand_ids": [brand_id],
                    "setting": str(brand_id),
                }:
                    failures.append(
                        f"thread {index} request {i} for {brand.slug}: {response.status_code} {body}"
                    )
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_backend_pid(), current_setting('jewelcrm.brand_id', true), "
                        "current_setting('jewelcrm.user_id', true), (SELECT count(*) FROM retail_store)"
                    )
                    pid, brand_setting, user_setting, visible = cursor.fetchone()
                seen_pids.add(pid)
                if brand_setting != "" or user_setting not in ("", None) or visible != 0:
                    failures.append(
                        f"thread {index} after request {i}: {brand_setting!r} {user_setting!r} {visible}"
                    )
                with lock:
                    done.append(1)
        except Exception as error:  # reported below, in the test's thread
            failures.append(f"thread {index}: {error!r}")
        finally:
            with lock:
                pids[index] = seen_pids
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(done) == THREADS * REQUESTS_PER_THREAD == 200
    # Each thread served both brands over one and the same database connection.
    assert [len(pids[n]) for n in range(THREADS)] == [1] * THREADS
    assert len(set().union(*pids.values())) == THREADS


@pytest.fixture
def empty_queue() -> None:
    """Drop messages a previous run may have left in the broker, before the worker starts."""
    from jewelcrm.celery import app

    if settings.REDIS_URL:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(app.conf.task_default_queue)


@pytest.mark.worker
def test_a_task_for_brand_b_right_after_one_for_brand_a_sees_only_b(empty_queue, celery_worker):
    from jewelcrm.accounts.tasks import brand_visible_rows_task

    a, _store_a = _brand_with_rows("maison-a", "AAA")
    b, _store_b = _brand_with_rows("maison-b", "BBB")
    for brand in (a, b):
        MembershipFactory(brand=brand, role="owner")
    first = brand_visible_rows_task.delay(a.pk).get(timeout=20)
    second = brand_visible_rows_task.delay(b.pk).get(timeout=20)
    third = brand_visible_rows_task.delay(a.pk).get(timeout=20)
    assert (first["brand_ids"], first["setting"], first["rows"]) == ([a.pk], str(a.pk), 2)
    assert (second["brand_ids"], second["setting"], second["rows"]) == ([b.pk], str(b.pk), 2)
    assert third["brand_ids"] == [a.pk]
    # One and the same worker process ran all three, one after the other.
    assert first["worker_pid"] == second["worker_pid"] == third["worker_pid"] == os.getpid()
