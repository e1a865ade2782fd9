"""Suite-wide fixtures. The test database is created and migrated by the owner role; every test then
runs as the application role, under PostgreSQL row-level security, exactly as production does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from jewelcrm.tenancy.roles import as_role, use_role


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        with as_role("owner"), connection.cursor() as cursor:
            # Test-only: transactional tests empty the tables between tests with TRUNCATE.
            app_role = settings.DATABASE_ROLES["app"]["USER"]
            cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{app_role}"')
        use_role("app")
    yield
    with django_db_blocker.unblock():
        use_role("owner")


_LOCAL_HOSTS = ("127.", "::1", "localhost", "0.0.0.0")  # noqa: S104 - a prefix to compare, not a bind


@pytest.fixture(autouse=True, scope="session")
def _no_socket_to_the_outside() -> Iterator[None]:
    """The suite talks only to this machine (PostgreSQL, Redis, the test server, Chromium): any
    connection elsewhere fails. Stripe and the like are faked at their libraries' HTTP clients."""
    import socket

    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            if not host.startswith(_LOCAL_HOSTS):
                raise OSError(f"The test suite may not connect outside this machine ({host}).")
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """The language active before each test is active again after it: a request answered in French
    (the locale middleware activates the language for the thread) left French on for the tests after
    it, which the suite's usual order happened to hide."""
    from django.utils import translation

    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


@pytest.fixture
def brand(db: Any) -> Any:
    from tests.factories import BrandFactory

    return BrandFactory(name="Maison Test", slug="maison-test")


@pytest.fixture
def other_brand(db: Any) -> Any:
    from tests.factories import BrandFactory

    return BrandFactory(name="Autre Maison", slug="autre-maison", default_currency="CHF")


@pytest.fixture
def store(brand: Any) -> Any:
    from tests.factories import StoreFactory

    return StoreFactory(brand=brand)


def _client_for(brand: Any, role: str, store: Any = None) -> Client:
    from tests.factories import MembershipFactory, StoreFactory

    if role in ("retail_manager", "sales_associate") and store is None:
        store = StoreFactory(brand=brand)
    membership = MembershipFactory(brand=brand, role=role, store=store)
    client = Client()
    client.force_login(membership.user)
    client.membership = membership  # type: ignore[attr-defined]
    client.user = membership.user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def client_for() -> Any:
    """client_for(brand, role, store=None) -> a logged-in Client with .membership and .user."""
    return _client_for


@pytest.fixture
def owner_client(brand: Any) -> Client:
    return _client_for(brand, "owner")


@pytest.fixture
def admin_client_brand(brand: Any) -> Client:
    return _client_for(brand, "admin")


@pytest.fixture
def marketer_client(brand: Any) -> Client:
    return _client_for(brand, "marketer")


@pytest.fixture
def analyst_client(brand: Any) -> Client:
    return _client_for(brand, "analyst")


@pytest.fixture
def retailer_client(brand: Any, store: Any) -> Client:
    return _client_for(brand, "sales_associate", store)


@pytest.fixture
def manager_client(brand: Any, store: Any) -> Client:
    return _client_for(brand, "retail_manager", store)


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[Any]:
    """A real Celery worker consuming from Redis (REDIS_URL), in a thread of this test process.

    Tasks are enqueued through the broker and executed by the worker, not eagerly.
    """
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    from celery.contrib.testing.worker import start_worker

    from jewelcrm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = previous
