"""Merges at once, in real concurrent transactions: they queue on the profiles they share (locked in id
order) and a merge that loses a deadlock runs again; nobody sees a server error."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from customers import dedupe
from customers.models import Customer, Order
from customers.tests.factories import CustomerFactory, OrderFactory
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_LIMIT = 60  # seconds: a bound on polling for a condition, never an assertion on duration


def _wait_until_a_backend_waits_for_a_lock(count: int = 1) -> None:
    """Poll PostgreSQL until `count` other sessions of this database wait for a lock."""
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction the statistics views keep their first snapshot: take a fresh one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.05)
    raise AssertionError("no session started waiting for a lock")


def _run(target, *args):
    errors: list[BaseException] = []

    def body() -> None:
        try:
            target(*args)
        except BaseException as error:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, errors


def test_a_merge_that_loses_a_deadlock_runs_again(brand):
    """Another transaction holds the second profile, then asks for the first one the merge holds:
    PostgreSQL aborts the merge (it has waited longest); the merge retries and completes."""
    first = CustomerFactory(brand=brand, last_name="Aaa", email="a@example.test")
    second = CustomerFactory(brand=brand, last_name="Bbb", email="b@example.test")
    OrderFactory(brand=brand, customer=second)
    holder_has_second = threading.Event()

    def holder() -> None:
        with brand_context(brand):
            list(Customer.objects.select_for_update().filter(pk=second.pk))
            holder_has_second.set()
            _wait_until_a_backend_waits_for_a_lock()  # the merge waits for `second`
            list(Customer.objects.select_for_update().filter(pk=first.pk))  # closes the cycle

    def merge() -> None:
        holder_has_second.wait(WAIT_LIMIT)
        with brand_context(brand):
            dedupe.customer_merge(brand=brand, survivor=first, other=second)

    holder_thread, holder_errors = _run(holder)
    merge_thread, merge_errors = _run(merge)
    holder_thread.join()
    merge_thread.join()
    assert holder_errors == [] and merge_errors == []
    with brand_context(brand):
        assert Customer.objects.get(pk=second.pk).merged_into_id == first.pk
        assert list(Order.objects.values_list("customer_id", flat=True)) == [first.pk]


def test_three_overlapping_merges_at_once_end_without_an_error(brand):
    """1 <- 2, 2 <- 3 and 3 <- 1 at the same instant, named against their id order: every merge either
    completes or is refused with a clear message; the profiles end consistent."""
    customers = [
        CustomerFactory(brand=brand, first_name="Ana", last_name=name, email=f"ana{n}@example.test")
        for n, name in enumerate(["Zed", "Mid", "Abe"])
    ]
    for customer in customers:
        OrderFactory(brand=brand, customer=customer)
    pairs = [(customers[0], customers[1]), (customers[1], customers[2]), (customers[2], customers[0])]
    barrier = threading.Barrier(len(pairs))
    outcomes: list[str] = []

    def merge(survivor: Customer, other: Customer) -> None:
        barrier.wait(WAIT_LIMIT)
        with brand_context(brand):
            try:
                dedupe.customer_merge(brand=brand, survivor=survivor, other=other)
            except ValidationError:
                outcomes.append("refused")
            else:
                outcomes.append("merged")

    runs = [_run(merge, survivor, other) for survivor, other in pairs]
    for thread, _errors in runs:
        thread.join()
    assert [error for _thread, errors in runs for error in errors] == []
    assert len(outcomes) == 3 and "merged" in outcomes
    with brand_context(brand):
        rows = {c.pk: c for c in Customer.objects.filter(pk__in=[c.pk for c in customers])}
        live = [pk for pk, c in rows.items() if c.merged_into_id is None]
        # Every merged profile points to the one live profile; every order follows it.
        assert len(live) == 1
        assert all(c.merged_into_id in (None, live[0]) for c in rows.values())
        assert set(Order.objects.values_list("customer_id", flat=True)) == {live[0]}
    assert outcomes.count("merged") == 2
