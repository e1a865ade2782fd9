"""ISO-02's exact counts on aggregates: every page and endpoint of brand A that takes no id (the home
tiles, the insights overview and its charts, the analytics, the lists' counts, the exports) answers the
same bytes before and after brand B's data exist, refreshed and uncached: A's figures are A's fixtures'
exactly, with nothing of B added (the route matrix checks that no byte of B shows)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory
from tests.isolation.test_every_route import EXPORT_PARAMS, _path, _world
from tests.isolation.urlconf import url_patterns

pytestmark = pytest.mark.django_db

# The audit trail lists A's own reads, and the walk's exports are audited: it grows between the walks by
# A's own rows (it shows no byte of B: test_every_route's lists).
OWN_ACTIVITY = {"accounts:audit_log"}
PAGES = sorted(
    {
        p.route: p
        for p in url_patterns()
        if p.area in ("brand", "api") and p.kwargs == ("brand_slug",) and p.key not in OWN_ACTIVITY
    }.values(),
    key=lambda p: p.route,
)
_VOLATILE = [
    (re.compile(rb"[A-Za-z0-9]{64}"), b"<csrf>"),  # a CSRF token, masked afresh on each answer
    (re.compile(rb"Counted [^<\"]*"), b"Counted <when>"),  # the time a kept home figure was counted
    # The minute A's insights were rebuilt (refreshed again after B's data: a minute may turn between).
    (re.compile(rb"(figures|cohorts) as of [^<\"\n]*"), rb"\1 as of <when>"),
]


def _refresh(brand) -> None:
    """The nightly and hourly figures of a brand, counted again now (insights, home figures)."""
    from jewelcrm.accounts.home import home_figures_refresh
    from segmentation.insights.services.refresh import insights_refresh

    with brand_context(brand):
        insights_refresh(brand=brand)
        home_figures_refresh(brand=brand)
    cache.clear()


def _walk(client: Client, brand) -> dict[str, tuple[int, bytes]]:
    answers = {}
    for pattern in PAGES:
        path = _path(pattern, {"brand_slug": brand.slug})
        for params in ({}, EXPORT_PARAMS):
            response = client.get(path, params)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            for volatile, placeholder in _VOLATILE:
                body = volatile.sub(placeholder, body)
            answers[f"{path} {params}"] = (response.status_code, body)
    return answers


def _more(world) -> None:
    from segmentation.tests.factories import history
    from warranties.portal.tests.factories import owned_item

    with brand_context(world.brand):
        buyers = history(
            world.brand,
            {f"Bravo{n}": [("2025-03-01", "1200"), ("2025-09-01", "800")] for n in range(5)},
        )
    for customer in buyers.values():
        owned_item(brand=world.brand, customer=customer, store=world.store)


def test_brand_a_figures_are_the_same_before_and_after_brand_b_exists():
    a = _world(BrandFactory(name="Maison Alpha", slug="maison-alpha", code_prefix="ALP"), "ALPHAMARK")
    clients = {}
    for role in ("owner", "analyst"):
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(MembershipFactory(brand=a.brand, role=role).user)
    _refresh(a.brand)
    before = {role: _walk(client, a.brand) for role, client in clients.items()}

    b = _world(BrandFactory(name="Bravo Foreign", slug="bravo-foreign", code_prefix="BRV"), "BRAVOMARK")
    _more(b)  # B larger than A: a leaked count or sum would show
    _refresh(b.brand)
    _refresh(a.brand)
    for role, client in clients.items():
        after = _walk(client, a.brand)
        changed = sorted(key for key in before[role] if before[role][key] != after[key])
        assert changed == [], f"{role}: {changed}"
    errors = sorted(key for key, (status, _body) in before["owner"].items() if status >= 500)
    assert errors == []
    read = {key for key, (status, _body) in before["owner"].items() if status == 200}
    assert len(read) > 40, sorted(read)
