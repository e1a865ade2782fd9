"""WEB-06: every unsafe method without a CSRF token answers 403, on every URL pattern of the URLconf,
and the patterns that take an unsafe request without one are exactly the reviewed exempt list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tests.isolation.routes import classify
from tests.isolation.test_every_route import _path, _world
from tests.isolation.urlconf import url_patterns

# Patterns that take a cross-site POST by design, each with the check that replaces the token: a payment
# webhook (its signature), one-click unsubscribe (RFC 8058), signed provider webhooks.
EXEMPT: dict[str, str] = {
    "billing:stripe_webhook": "Stripe's webhook, verified by its signature (billing/tests/test_webhooks.py)",
    "campaign_delivery:unsubscribe": (
        "RFC 8058 one-click unsubscribe: a cookie-less POST from the mail client, the signed token instead "
        "(campaigns/delivery/tests/test_unsubscribe.py)"
    ),
    "campaign_delivery:mailgun_tracking": (
        "Mailgun's webhook, verified by its signature (campaigns/delivery/tests/test_webhooks.py)"
    ),
    "campaign_delivery:mailgun_inbound": (
        "Mailgun's inbound route (the List-Unsubscribe mailto), verified by its signature "
        "(campaigns/delivery/tests/test_webhooks.py)"
    ),
}
UNSAFE = ("post", "put", "patch", "delete")
PATTERNS = list(url_patterns())


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    from tests.factories import BrandFactory, MembershipFactory
    from warranties.portal.session import SESSION_KEY

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = _world(
                BrandFactory(name="Maison Csrf", slug="maison-csrf", code_prefix="CSR"), "CSRFMARK"
            )
            owner = Client(enforce_csrf_checks=True, raise_request_exception=False)
            owner.force_login(MembershipFactory(brand=world.brand, role="owner").user)
            portal = Client(enforce_csrf_checks=True, raise_request_exception=False)
            session = portal.session
            session[SESSION_KEY] = {str(world.brand.pk): world.objects["_customer"].pk}
            session.save()
            world.clients = {
                "owner": owner,
                "portal_owner": portal,
                "anonymous": Client(enforce_csrf_checks=True, raise_request_exception=False),
            }
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _fill(world: Any, pattern: Any) -> str:
    route = classify(pattern.key, pattern.route)
    values: dict[str, Any] = {"brand_slug": world.brand.slug}
    for name in pattern.kwargs:
        if name == "brand_slug":
            continue
        kind = route.fill.get(name) if route else None
        values[name] = world.objects[kind] if kind else "1"
    return _path(pattern, values)


def test_the_exempt_list_names_existing_patterns():
    assert set(EXEMPT) <= {p.key for p in PATTERNS}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key for p in PATTERNS])
def test_an_unsafe_request_without_a_csrf_token_is_refused(world, pattern):
    if pattern.key in EXEMPT:
        pytest.skip(EXEMPT[pattern.key])
    path = _fill(world, pattern)
    role = "portal_owner" if pattern.area == "portal" else "owner"
    client = world.clients[role]
    client.get("/accounts/login/")  # a CSRF cookie, as a browser would hold: only the token is missing
    answers = {method: getattr(client, method)(path).status_code for method in UNSAFE}
    assert answers == dict.fromkeys(UNSAFE, 403), f"{path} as {role}: {answers}"
