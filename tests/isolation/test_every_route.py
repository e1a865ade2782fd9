"""ISO-01: every URL pattern of the URLconf × every role × another brand's object id × every method.

The patterns are enumerated from the URLconf and classified in tests/isolation/routes.py; a new pattern
that is not classified fails here with the line to add. For each brand pattern, brand A's people (each
staff role, an owner signed in to the portal, an API key, nobody) ask for brand B's objects:

- the answer is exactly the one a missing id gets (status, redirect, bytes but for CSRF tokens and the
  address itself), and it is 403, 404 or 405 (404 for a role that may open the page: 403 is a role
  refused before any object is read, 405 a method the address does not take);
- the answer holds 0 bytes of brand B (marker text written in every B row, B's serials, codes, name);
- brand B's rows are unchanged (a checksum of every brand table, before and after);
- asked with B's slug instead, a page or endpoint answers 404 to A's staff and A's key, and the portal
  treats A's owner as a visitor it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from jewelcrm.tenancy import rls
from jewelcrm.tenancy.context import brand_context
from tests.isolation.routes import PREFIXES, ROUTES, classify
from tests.isolation.urlconf import Pattern, url_patterns

MARKER = "ZQXFOREIGN"
STAFF_ROLES = ("owner", "admin", "marketer", "analyst", "retail_manager", "sales_associate")
METHODS = ("get", "post", "put", "patch", "delete")
MISSING_ID = 2_147_000_001
MISSING_TEXT = "ZZ-MISSING-0000"
MISSING_SLUG = "no-such-brand"
DENIALS = {403, 404, 405}
ANONYMOUS_DENIALS = {302, 401, 403, 404, 405}

PATTERNS = list(url_patterns())


# --- the registry is complete -----------------------------------------------------------------


def _suggestion(pattern: Pattern) -> str:
    ids = [k for k in pattern.kwargs if k != "brand_slug"]
    if pattern.area == "other":
        return f'    "{pattern.key}": public("why it holds no brand object"),'
    fill = ", ".join(f'{k}="<object kind>"' for k in ids)
    return f'    "{pattern.key}": ids({fill}),'


def test_every_url_pattern_is_classified():
    missing = [p for p in PATTERNS if classify(p.key, p.route) is None]
    assert missing == [], (
        "URL patterns not classified for the isolation matrix (ISO-01). Add to ROUTES in "
        "tests/isolation/routes.py, filling each id with an object kind of OBJECTS in "
        "tests/isolation/test_every_route.py (add a kind there if none fits):\n"
        + "\n".join(f"{_suggestion(p)}  # {p.route}" for p in missing)
    )


def test_the_registry_names_only_existing_patterns_and_known_object_kinds():
    keys = {p.key for p in PATTERNS}
    assert sorted(set(ROUTES) - keys) == [], "classified patterns no longer in the URLconf: remove them"
    kinds = {kind for route in ROUTES.values() for kind in route.fill.values()}
    assert sorted(kinds - set(OBJECTS)) == []
    for pattern in PATTERNS:
        route = classify(pattern.key, pattern.route)
        if route and route.kind != "public":
            ids = set(pattern.kwargs) - {"brand_slug"}
            assert set(route.fill) == ids, f"{pattern.key}: fill {sorted(ids)}"
            assert pattern.area != "other", f"{pattern.key}: a brand pattern outside b/, api/v1/, portal/"
    assert set(PREFIXES) == {"admin/"}


# --- the two brands ---------------------------------------------------------------------------


@dataclass
class World:
    brand: Any
    store: Any
    objects: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    forbidden: list[bytes] = field(default_factory=list)


def _world(brand: Any, marker: str) -> World:
    from campaigns.delivery.tests.factories import SuppressionFactory
    from customers.services import consent_confirmation_token
    from customers.tests.factories import CustomerFactory, RelationFactory
    from jewelcrm.accounts.services import api_key_create
    from jewelcrm.imports.tests.factories import ImportJobFactory
    from tests.factories import MembershipFactory, MessageFactory, ProductFactory, StoreFactory
    from warranties.inventory.tests.factories import ItemFactory, StockMovementFactory
    from warranties.models import Registration
    from warranties.portal.models import LinkPurpose
    from warranties.portal.services.signin import _link_create
    from warranties.portal.tests.factories import PostFactory, ServiceRequestFactory, owned_item
    from warranties.tests.factories import InterventionFactory, WarrantyClaimFactory

    store = StoreFactory(brand=brand, name=f"{marker} store", city=f"{marker}ville", code=f"{marker[:3]}-S1")
    customer = CustomerFactory(
        brand=brand, first_name=marker, last_name=f"{marker}son", email=f"{marker.lower()}@example.test"
    )
    customer_2 = CustomerFactory(
        brand=brand, first_name=marker, last_name=f"{marker}sen", email=f"{marker.lower()}2@example.test"
    )
    product = ProductFactory(brand=brand, name_en=f"{marker} ring", name_fr=f"Bague {marker}")
    item = owned_item(brand=brand, customer=customer, store=store, product=product)
    lost_item = owned_item(brand=brand, customer=customer, store=store, product=product, status="lost")
    intervention = InterventionFactory(brand=brand, item=item, store=store, description=f"{marker} repair")
    incoming = ItemFactory(brand=brand, product=product, status="in_transit")
    with brand_context(brand):
        registration = Registration.objects.get(item=item, is_current=True)
        _key, raw_key = api_key_create(brand=brand, name=f"{marker} key")
        link_token = _link_create(
            brand=brand, email=customer.email, purpose=LinkPurpose.SIGN_IN, customer=customer
        )
    objects = {
        "customer": customer.pk,
        "customer_2": customer_2.pk,
        "relation": RelationFactory(brand=brand, customer=customer, name=marker).pk,
        "product": product.pk,
        "store": store.pk,
        "item": item.pk,
        "item_serial": item.serial,
        "lost_item": lost_item.pk,
        "registration": registration.pk,
        "intervention": intervention.pk,
        "claim": WarrantyClaimFactory(brand=brand, intervention=intervention, store=store).pk,
        "movement": StockMovementFactory(brand=brand, item=incoming, to_store=store, note=marker).pk,
        "import_job": ImportJobFactory(brand=brand, original_name=f"{marker}.csv").pk,
        "membership": MembershipFactory(brand=brand, role="sales_associate", store=store).pk,
        "api_key": _key.pk,
        "post": PostFactory(brand=brand, title=f"{marker} news", body=marker).pk,
        "service_request": ServiceRequestFactory(
            brand=brand, item=item, customer=customer, store=store, message=marker
        ).pk,
        "segment": _segment(brand, marker),
        **_campaign_objects(brand, marker),
        "outreach_task": _outreach_task(brand, customer, store, marker),
        "audience_export": _audience_export(brand, customer, marker),
        "pipeline_run": _pipeline_run(brand),
        "message": MessageFactory(brand=brand, to=f"{marker.lower()}@example.test", status="failed").pk,
        "suppression": SuppressionFactory(brand=brand, email=f"{marker.lower()}@example.test").pk,
        "consent_token": consent_confirmation_token(customer=customer),
        "link_token": link_token,
        "email_template": _email_template(brand, marker),
    }
    world = World(brand=brand, store=store, objects=objects)
    world.forbidden = [marker.encode(), brand.name.encode(), item.serial.encode(), item.public_code.encode()]
    world.clients["api_key"] = Client(HTTP_AUTHORIZATION=f"Api-Key {raw_key}", raise_request_exception=False)
    world.objects["_customer"] = customer
    return world


def _segment(brand: Any, marker: str) -> int:
    from segmentation.models import Segment

    with brand_context(brand):
        return Segment.objects.create(brand=brand, name=f"{marker} segment", description=marker).pk


def _campaign_objects(brand: Any, marker: str) -> dict[str, int]:
    from campaigns.tests.factories import CampaignFactory, JourneyFactory
    from segmentation.models import Segment

    with brand_context(brand):
        segment = Segment.objects.get(brand=brand, name=f"{marker} segment")
    journey = JourneyFactory(brand=brand, kind="birthday")
    campaign = CampaignFactory(
        brand=brand, segment=segment, name=f"{marker} campaign", status="awaiting_approval"
    )
    return {"journey": journey.pk, "campaign": campaign.pk}


def _email_template(brand: Any, marker: str) -> int:
    from campaigns.content.tests.factories import EmailTemplateFactory

    return EmailTemplateFactory(brand=brand, name=f"{marker} template", body_en=f"{marker} body").pk


def _outreach_task(brand: Any, customer: Any, store: Any, marker: str) -> int:
    from campaigns.outreach.tests.factories import OutreachTaskFactory

    return OutreachTaskFactory(brand=brand, customer=customer, store=store, title=f"{marker} task").pk


def _audience_export(brand: Any, customer: Any, marker: str) -> int:
    from campaigns.audiences.services import audience_export_create
    from segmentation.models import Segment, SegmentMember

    with brand_context(brand):
        segment = Segment.objects.create(brand=brand, name=f"{marker} audience", description=marker)
        SegmentMember.objects.create(brand=brand, segment=segment, customer=customer)
        return audience_export_create(
            brand=brand, segment=segment, destination="meta", platform_audience_id="1"
        ).pk


def _pipeline_run(brand: Any) -> int:
    from django.utils import timezone

    from segmentation.models import PipelineRun

    today = timezone.localdate()
    with brand_context(brand):
        return PipelineRun.objects.create(brand=brand, run_date=today, observation_date=today).pk


def _clients(world: World) -> None:
    from tests.factories import MembershipFactory
    from warranties.portal.session import SESSION_KEY

    for role in STAFF_ROLES:
        store = world.store if role in ("retail_manager", "sales_associate") else None
        membership = MembershipFactory(brand=world.brand, role=role, store=store)
        client = Client(raise_request_exception=False)
        client.force_login(membership.user)
        world.clients[role] = client
    portal = Client(raise_request_exception=False)
    session = portal.session
    session[SESSION_KEY] = {str(world.brand.pk): world.objects["_customer"].pk}
    session.save()
    world.clients["portal_owner"] = portal
    world.clients["anonymous"] = Client(raise_request_exception=False)


OBJECTS = {
    "customer", "customer_2", "relation", "product", "store", "item", "item_serial", "lost_item",
    "registration", "intervention", "claim", "movement", "import_job", "membership", "api_key", "post",
    "service_request", "consent_token", "link_token", "segment", "pipeline_run", "message",
    "journey", "campaign", "suppression", "email_template", "outreach_task", "audience_export",
}  # fmt: skip


@pytest.fixture(scope="module")
def worlds(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[World, World]]:
    """Brand A (whose people ask) and brand B (whose objects they ask for), built once for the module
    inside a transaction rolled back at its end; each test runs in a savepoint of it."""
    from tests.factories import BrandFactory

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            a = _world(BrandFactory(name="Maison Alpha", slug="maison-alpha", code_prefix="ALP"), "ALPHAMARK")
            b = _world(BrandFactory(name="Bravo Foreign", slug="bravo-foreign", code_prefix="BRV"), MARKER)
            _clients(a)
            yield a, b
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _checksum(brand: Any) -> dict[str, str]:
    """Rows and an md5 of their text, per brand table, as brand B sees them (one query)."""
    tables = [table for table, _extra in rls.brand_tables()]
    sql = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
        f'FROM "{table}" t'
        for table in tables
    )
    with brand_context(brand), connection.cursor() as cursor:
        cursor.execute(sql)
        return {table: f"{count}:{digest}" for table, count, digest in cursor.fetchall()}


# --- asking -----------------------------------------------------------------------------------


def _path(pattern: Pattern, values: dict[str, Any]) -> str:
    path = "/" + pattern.route
    for name in pattern.kwargs:
        path = re.sub(r"<(?:[^>:]+:)?" + name + ">", str(values[name]), path)
    return path


def _ask(client: Client, method: str, path: str) -> Any:
    client.cookies.pop("messages", None)  # a message left by an earlier answer is shown once, anywhere
    if method == "get":
        return client.get(path)
    if method == "post":
        return client.post(path, {})
    return getattr(client, method)(path, "", content_type="application/json")


def _answer(response: Any, path: str) -> tuple[int, str, bytes]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    body = re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", body).replace(path.encode(), b"PATH")
    return response.status_code, response.get("Location", "").replace(path, "PATH"), body


def _values(pattern: Pattern, route: Any, slug: str, source: dict[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = {"brand_slug": slug}
    for name, kind in route.fill.items():
        if source is not None:
            values[name] = source[kind]
        else:
            values[name] = MISSING_TEXT if kind.endswith(("_serial", "_token")) else MISSING_ID
    return values


def _asks(pattern: Pattern) -> list[tuple[str, str]]:
    """(role, method) pairs: every role reads and posts; every method once per area (the method's
    handler does not depend on the role, which is checked before it); nobody reads."""
    if pattern.area == "brand":
        everyone, full = STAFF_ROLES, "owner"
    elif pattern.area == "api":
        everyone, full = ("api_key", "owner", "analyst", "sales_associate"), "api_key"
    else:
        everyone, full = ("portal_owner",), "portal_owner"
    asks = [(role, method) for role in everyone for method in ("get", "post")]
    asks += [(full, method) for method in METHODS if method not in ("get", "post")]
    return [*asks, ("anonymous", "get")]


MATRIX = [p for p in PATTERNS if (classify(p.key, p.route) or ROUTES[""]).kind != "public"]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", MATRIX, ids=[p.key for p in MATRIX])
def test_another_brands_ids_answer_like_missing_ones(worlds, pattern):
    a, b = worlds
    route = classify(pattern.key, pattern.route)
    before = _checksum(b.brand)
    failures: list[str] = []
    refusals: set[int] = set()
    for role, method in _asks(pattern):
        client = a.clients[role]
        # A's address with B's ids (for a page without ids: B's slug), against a missing one.
        if route.fill:
            foreign_path = _path(pattern, _values(pattern, route, a.brand.slug, b.objects))
            missing_path = _path(pattern, _values(pattern, route, a.brand.slug, None))
        else:
            foreign_path = _path(pattern, {"brand_slug": b.brand.slug})
            missing_path = _path(pattern, {"brand_slug": MISSING_SLUG})
        if pattern.area == "portal" and not route.fill:
            # The portal of B is B's public sign-in: A's owner is a visitor B does not know.
            foreign = _answer(_ask(client, method, foreign_path), foreign_path)
            visitor = _answer(_ask(a.clients["anonymous"], method, foreign_path), foreign_path)
            if foreign != visitor:
                failures.append(
                    f"{role} {method.upper()} {foreign_path}: {foreign[0]} ≠ visitor {visitor[0]}"
                )
            continue
        foreign_response = _ask(client, method, foreign_path)
        foreign = _answer(foreign_response, foreign_path)
        missing = _answer(_ask(client, method, missing_path), missing_path)
        where = f"{role} {method.upper()} {foreign_path}"
        if foreign[:2] != missing[:2] or foreign[2] != missing[2]:
            failures.append(f"{where}: {foreign[0]} {foreign[1]!r} ≠ missing {missing[0]} {missing[1]!r}")
        leaked = [f for f in b.forbidden if f in foreign[2]]
        if leaked:
            failures.append(f"{where}: foreign bytes {leaked}")
        if route.kind == "ids":
            allowed = ANONYMOUS_DENIALS if role == "anonymous" else DENIALS | route.also
            if foreign[0] not in allowed:
                failures.append(f"{where}: {foreign[0]} (expected one of {sorted(allowed)})")
            refusals.add(foreign[0])
    after = _checksum(b.brand)
    changed = sorted(t for t in before if before[t] != after[t])
    assert changed == [], f"{pattern.key}: brand B's rows changed in {changed}"
    assert failures == [], f"{pattern.key} ({pattern.route}):\n" + "\n".join(failures)
    if route.kind == "ids" and not (pattern.area == "portal" and not route.fill):
        assert 404 in refusals, f"{pattern.key}: no role got a 404 (the matrix would prove nothing)"


# --- ISO-02: every list, search, filter and export of A holds nothing of B --------------------------

LISTS = [p for p in MATRIX if not classify(p.key, p.route).fill and p.area in ("brand", "api", "portal")]
# Ask for the export forms too: CSV downloads, one channel's export.
EXPORT_PARAMS = {"format": "csv", "download": "1", "consent": "email", "q": ""}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", LISTS, ids=[p.key for p in LISTS])
def test_brand_a_lists_and_exports_hold_nothing_of_brand_b(worlds, pattern):
    a, b = worlds
    path = _path(pattern, {"brand_slug": a.brand.slug})
    roles = ("portal_owner",) if pattern.area == "portal" else (*STAFF_ROLES, "api_key")
    statuses = set()
    for role in roles:
        for params in ({}, EXPORT_PARAMS):
            response = a.clients[role].get(path, params)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            leaked = [f for f in b.forbidden if f in body]
            assert leaked == [], f"{role} GET {path} {params}: bytes of brand B {leaked}"
            statuses.add(response.status_code)
    # Some role reached the view: it read the page, or was sent on (302), or the page takes only POST (405).
    assert statuses & {200, 302, 405}, f"{pattern.key}: {sorted(statuses)}"
