"""WEB-11 for pages: every page's query parameters fuzzed with hostile values → 0 answers 5xx.

The pages are every GET pattern of the URLconf (tests/isolation/routes.py classifies them), with the ids of
their own brand's objects; the parameters are every name the code reads from a query string (found in the
source, so a new one is fuzzed too). Each page is asked once per payload with all the names at once, by a
role that may open it. Markup must never come back unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from tests.isolation.routes import classify
from tests.isolation.test_every_route import _clients, _path, _world
from tests.isolation.urlconf import url_patterns

ROOT = Path(settings.BASE_DIR)
_READ = re.compile(r"""(?:GET|query_params|params)\.(?:get|getlist)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def query_parameter_names() -> list[str]:
    """Every query parameter name the application reads, from its source."""
    names = {"page", "sort", "order", "q"}
    for folder in ("jewelcrm", "customers", "warranties", "segmentation", "campaigns"):
        for path in (ROOT / folder).rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                names.update(_READ.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PAYLOADS = {
    "nul": "a\x00b",
    "long": "x" * 20_000,
    "unicode": "Zoë 💍 ‮ﷺ 𝔘 \u0301\ufeff",
    "sql": "' OR 1=1; DROP TABLE customers_customer; --",
    "markup": MARKUP,
    "numbers": "-99999999999999999999999",
    "float": "1e309",
    "path": "../../../../etc/passwd",
    "format": "%s%n%x{0}{{7*7}}",
    "empty": "",
}


def _pages() -> list[Any]:
    pages = []
    for pattern in url_patterns():
        route = classify(pattern.key, pattern.route)
        if (
            route is None
            or pattern.route.startswith("admin/")
            or pattern.key in ("media", "healthz", "set_language")
        ):
            continue
        if route.kind == "public" and pattern.kwargs:
            continue  # tokens and codes of their own tests (portal, accounts)
        pages.append(pattern)
    return pages


PAGES = _pages()


@pytest.fixture(scope="module")
def brand_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    from tests.factories import BrandFactory

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = _world(
                BrandFactory(name="Maison Fuzz", slug="maison-fuzz", code_prefix="FUZ"), "FUZZMARK"
            )
            _clients(world)
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _client_for_page(world: Any, pattern: Any, path: str) -> Any:
    """The first role that may open the page."""
    if pattern.area == "portal":
        candidates = ("portal_owner",)
    elif pattern.area == "api":
        candidates = ("api_key",)
    elif pattern.area == "brand":
        candidates = ("owner", "retail_manager", "sales_associate")
    else:
        candidates = ("owner", "anonymous")
    for role in candidates:
        client = world.clients[role]
        if client.get(path).status_code < 400:
            return client
    return world.clients[candidates[0]]


def test_every_parameter_name_is_found():
    names = query_parameter_names()
    assert {"q", "page", "items", "consent", "status", "serial", "month"} <= set(names)


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PAGES, ids=[p.key or p.route for p in PAGES])
def test_hostile_query_parameters_never_answer_5xx(brand_world, pattern):
    route = classify(pattern.key, pattern.route)
    values = {"brand_slug": brand_world.brand.slug}
    values.update({name: brand_world.objects[kind] for name, kind in route.fill.items()})
    path = _path(pattern, values)
    client = _client_for_page(brand_world, pattern, path)
    names = query_parameter_names()
    failures = []
    for label, payload in PAYLOADS.items():
        response = client.get(path, {name: payload for name in names})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code}")
        if label == "markup" and MARKUP.encode() in body:
            failures.append("markup: reflected unescaped")
        if label == "nul" and response.status_code != 400:
            failures.append(f"nul: {response.status_code} (expected 400)")
    assert failures == [], f"{path}: {failures}"


# --- WEB-02: the security headers of every page, as the role that opens it ----------------------


def _csp(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PAGES, ids=[p.key or p.route for p in PAGES])
def test_every_html_page_carries_the_security_headers(brand_world, pattern):
    route = classify(pattern.key, pattern.route)
    values = {"brand_slug": brand_world.brand.slug}
    values.update({name: brand_world.objects[kind] for name, kind in route.fill.items()})
    path = _path(pattern, values)
    client = _client_for_page(brand_world, pattern, path)
    response = client.get(path)
    if not response.get("Content-Type", "").startswith("text/html"):
        return  # JSON, CSV, PDF, CSS: no page to frame or script
    csp = _csp(response)
    assert csp.get("script-src", [None])[0] == "'self'", path
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"], path
    assert csp["frame-ancestors"] == ["'none'"], path
    assert response["X-Frame-Options"] == "DENY", path
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] == "same-origin", path
    if client is not brand_world.clients["anonymous"] or pattern.area == "portal":
        assert "no-store" in response.get("Cache-Control", ""), path


@pytest.mark.django_db
def test_hsts_is_sent_under_production_settings():
    from django.test import Client as PlainClient
    from django.test import override_settings

    with override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_SSL_REDIRECT=False):
        response = PlainClient().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
