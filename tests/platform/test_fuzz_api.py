"""WEB-11: the API fuzzed from its own OpenAPI schema (schemathesis), as each kind of caller.

Every operation of /api/schema/ gets generated requests (valid and invalid data: schemathesis's default
positive and negative phases are both in the examples), sent in-process to the WSGI application with the
brand's slug and, for each role, its credentials. Every answer must not be a 5xx and must conform to the
schema where the schema documents it (body and content type). Bounded and reproducible: a fixed number of
examples per operation, derandomised (the same examples on every run), no example database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from jewelcrm.accounts.services import api_key_create
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, ProductFactory, StoreFactory

MAX_EXAMPLES = 10
ROLES = ("api_key", "owner", "analyst", "sales_associate")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def wsgi_app() -> Iterator[WSGIHandler]:
    """The project's WSGI application, inside the test's transaction: like Django's test client, the
    request signals do not close the connection (which would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _operations() -> list[Any]:
    """Every operation of the schema the application serves (read once, at collection)."""
    app = WSGIHandler()
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    return [result.ok() for result in loaded.get_all_operations()]


OPERATIONS = _operations()


@pytest.fixture
def callers(db: Any) -> dict[str, Any]:
    """A brand with a store, a product, an item, and one set of credentials per role."""
    from warranties.inventory.tests.factories import ItemFactory

    brand = BrandFactory(slug="fuzz-brand", name="Fuzz", code_prefix="FZZ")
    store = StoreFactory(brand=brand, code="FZ-1")
    product = ProductFactory(brand=brand, reference="FZ-REF")
    ItemFactory(brand=brand, product=product, serial="FZ-SERIAL-1", current_store=store)
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="fuzz")
    credentials: dict[str, Any] = {"api_key": {"headers": {"Authorization": f"Api-Key {raw}"}}}
    from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    for role in ROLES[1:]:
        membership = MembershipFactory(
            brand=brand, role=role, store=store if role == "sales_associate" else None
        )
        session = SessionStore()
        session[AUTH_SESSION_KEY] = str(membership.user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = membership.user.get_session_auth_hash()
        session.save()
        csrf = _get_new_csrf_string()
        credentials[role] = {
            "headers": {"X-CSRFToken": csrf, "Referer": "http://localhost/"},
            "cookies": {"sessionid": session.session_key, "csrftoken": csrf},
        }
    return {"brand": brand, "credentials": credentials}


def test_the_schema_lists_every_api_endpoint():
    from tests.isolation.urlconf import url_patterns

    api_routes = {p.route for p in url_patterns() if p.route.startswith("api/v1/")}
    assert len(api_routes) == 16
    paths = {op.path for op in OPERATIONS}
    assert len(paths) == len(api_routes)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_the_api_answers_no_5xx_and_keeps_to_its_schema(
    wsgi_app: WSGIHandler, callers: dict[str, Any], operation: Any, mode: GenerationMode
) -> None:
    operation.app = wsgi_app

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def fuzz(case: Any) -> None:
        if "brand_slug" in (case.path_parameters or {}):
            case.path_parameters["brand_slug"] = callers["brand"].slug
        for role in ROLES:
            credentials = callers["credentials"][role]
            response = case.call(headers=credentials["headers"], cookies=credentials.get("cookies"))
            case.validate_response(response, checks=CHECKS, headers=credentials["headers"])

    try:
        fuzz()
    except Unsatisfiable:
        # No request of this operation can break its schema (nothing but the brand in the address).
        assert mode == GenerationMode.NEGATIVE
