"""The public item page /i/<code>: what it shows, what it never shows, 404s, rate limit, log, found form."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, ProductFactory, StoreFactory, UserFactory
from warranties.inventory.codes import public_code_new
from warranties.portal import public, selectors, services
from warranties.portal.models import FoundReport, PublicLookup
from warranties.portal.tests.factories import InterventionFactory, owned_item, store_transfer_with_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(brand):
    return CustomerFactory(
        brand=brand,
        first_name="Héloïse",
        last_name="Vasquez-Marlow",
        email="heloise.private@example.test",
        phone="+33612345678",
        address="12 rue Secrète",
    )


@pytest.fixture
def item(brand, owner):
    product = ProductFactory(brand=brand, name_en="Aurore ring", collection="Aurore")
    store = StoreFactory(brand=brand, city="Lyon", country="FR", address="3 place Bellecour")
    item = owned_item(brand=brand, customer=owner, store=store, product=product, sold_on=date(2025, 3, 14))
    workshop = StoreFactory(brand=brand, city="Genève", country="CH")
    InterventionFactory(brand=brand, item=item, store=workshop, kind="resizing", received_on=date(2025, 9, 2))
    return item


def _without_csrf(content: bytes) -> str:
    return re.sub(r'(value="|X-CSRFToken": ")[A-Za-z0-9]{64}', "", content.decode())


def _url(code):
    return reverse("portal:public_item", kwargs={"code": code})


def test_public_page_shows_the_history_and_nothing_personal(client, brand, owner, item):
    response = client.get(_url(item.public_code.lower().replace("-", "")))
    assert response.status_code == 200
    text = response.content.decode()
    for expected in (
        "Aurore ring",
        "Aurore",
        "March 2025",
        "Lyon",
        "France",
        "September 2025",
        "Resizing",
        "Genève",
    ):
        assert expected in text
    assert 'data-testid="owners">1<' in text
    for secret in (
        "Héloïse",
        "Vasquez-Marlow",
        "heloise.private",
        "+33612345678",
        "12 rue Secrète",
        "3 place Bellecour",
        item.serial,
    ):
        assert secret not in text
    valid = date(2025, 3, 14) + timedelta(days=730) >= timezone.localdate()
    assert ("Valid" if valid else "Ended") in text


def test_owners_count_and_banner(client, brand, owner, item, store):
    with brand_context(brand):
        store_transfer_with_code(brand=brand, item=item, store=store, email="b@example.test")
        new_owner = type(owner).objects.get(email="b@example.test")
        services.item_report_loss(brand=brand, item=item, status="stolen", customer=new_owner)
    text = client.get(_url(item.public_code)).content.decode()
    assert 'data-testid="owners">2<' in text
    assert "reported stolen" in text


@pytest.mark.parametrize("code", ["nonsense", "ZZZ-0000-0000-0000-0000", "B99-AAAA"])
def test_unknown_codes_are_404(client, item, code):
    assert client.get(_url(code)).status_code == 404


def test_known_prefix_unknown_code_is_404_and_logged(client, brand, item):
    code = public_code_new(brand=brand)
    assert client.get(_url(code), REMOTE_ADDR="198.51.100.4").status_code == 404
    assert client.get(_url(item.public_code), REMOTE_ADDR="198.51.100.4").status_code == 200
    assert public.lookup_log_flush() == 2
    with brand_context(brand):
        rows = list(PublicLookup.objects.order_by("id").values_list("code", "item_id", "ip"))
    assert rows == [(code, None, "198.51.100.4"), (item.public_code, item.pk, "198.51.100.4")]


def test_other_brand_cannot_see_the_page_through_its_prefix(client, brand, other_brand, item):
    body = item.public_code.split("-", 1)[1]
    assert client.get(_url(f"{other_brand.code_prefix}-{body}")).status_code == 404


def test_resolver_does_the_same_database_work_for_known_and_unknown(brand, item):
    codes = (
        item.public_code,
        public_code_new(brand=brand),
        "ZZZ9-" + item.public_code.split("-", 1)[1],
        "junk",
    )
    for code in codes:  # warm the short brand-by-prefix cache, known or not
        selectors.public_item_resolve(raw_code=code)
    shapes = []
    for code in codes:
        with CaptureQueriesContext(connection) as queries:
            selectors.public_item_resolve(raw_code=code)
        shapes.append([q["sql"].split(" ")[0] for q in queries.captured_queries])
    assert shapes[0] == shapes[1] == shapes[2] == shapes[3]
    assert shapes[0] == ["SAVEPOINT", "SET", "SELECT", "SET", "RELEASE"]


def test_enumeration_of_random_codes_finds_nothing_then_429(client, brand, other_brand, item):
    owners = [brand, other_brand]
    random_codes = [public_code_new(brand=owners[n % 2]) for n in range(10_000)]
    assert len(set(random_codes)) == 10_000
    assert selectors.public_item_resolve_many(raw_codes=random_codes) == {}
    # The batch resolver finds what exists (so the zero above means something) ...
    assert selectors.public_item_resolve_many(raw_codes=[random_codes[0], item.public_code.lower()]) == {
        item.public_code.lower(): item.pk
    }
    # ... and agrees with the single resolver.
    assert all(selectors.public_item_resolve(raw_code=code)[1] is None for code in random_codes[:50])
    with override_settings(PORTAL_PUBLIC_LOOKUP_RATE="30/m"):
        codes = [
            client.get(_url(public_code_new(brand=brand)), REMOTE_ADDR="203.0.113.9").status_code
            for _ in range(32)
        ]
        assert codes == [404] * 30 + [429, 429]
        # The limit is per IP, and counts known codes too.
        assert client.get(_url(item.public_code), REMOTE_ADDR="203.0.113.9").status_code == 429
        assert client.get(_url(item.public_code), REMOTE_ADDR="203.0.113.10").status_code == 200


def test_page_is_cached_and_invalidated_by_a_change(
    client, brand, owner, item, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.get(_url(item.public_code))
    with django_assert_num_queries(0):
        cached = client.get(_url(item.public_code))
    assert "reported lost" not in cached.content.decode()
    # The cache forgets the page once the change has committed.
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        services.item_report_loss(brand=brand, item=item, status="lost", customer=owner)
    assert "reported lost" in client.get(_url(item.public_code)).content.decode()


def test_page_is_cached_per_language(client, brand, item):
    english = client.get(_url(item.public_code), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get(_url(item.public_code), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Aurore ring</h1>" in english and "<h1>Bague " in french


def _lookup(code):
    from django.test import RequestFactory

    return public.lookup(raw_code=code, ip="192.0.2.1", request=RequestFactory().get("/i/" + code))


def test_first_lookup_of_a_known_or_unknown_code_does_the_same_queries(brand, item):
    known, unknown = item.public_code, public_code_new(brand=brand)
    _lookup(known)  # the brand of the prefix and the known item's page are now cached
    cache.delete(public._code_key(known))  # but not the resolution of the code
    shapes = []
    for code in (unknown, known):
        with CaptureQueriesContext(connection) as queries:
            _lookup(code)
        shapes.append([q["sql"].split(" ")[0] for q in queries.captured_queries])
    assert shapes[0] == shapes[1] == ["SAVEPOINT", "SET", "SELECT", "SET", "RELEASE"]
    # A repeated look-up of either reads the cache only.
    for code in (unknown, known):
        with CaptureQueriesContext(connection) as queries:
            found = _lookup(code)
        assert queries.captured_queries == []
        assert (found.page is not None) is (code == known)


def test_shared_page_carries_each_visitors_csrf_token_and_address(client, brand, item):
    from django.test import Client

    first = client.get(_url(item.public_code)).content.decode()
    other = Client(enforce_csrf_checks=True)
    second = other.get(_url(item.public_code.lower())).content.decode()
    assert public.CSRF_PLACEHOLDER not in second and public.PATH_PLACEHOLDER not in second
    assert f'value="/i/{item.public_code.lower()}"' in second and f'value="/i/{item.public_code}"' in first
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second).group(1)
    response = other.post(
        reverse("portal:found_report", kwargs={"code": item.public_code}),
        {"kind": "found", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200


def test_signed_in_staff_see_the_page_with_their_header(owner_client, brand, item):
    response = owner_client.get(_url(item.public_code))
    assert response.status_code == 200
    assert "Aurore ring" in response.content.decode() and "Sign out" in response.content.decode()


def test_found_form_alerts_brand_and_owner_and_reveals_nothing(
    client, brand, owner, item, django_capture_on_commit_callbacks
):
    MembershipFactory(brand=brand, role="owner", user=UserFactory(email="boss@brand.test"))
    url = reverse("portal:found_report", kwargs={"code": item.public_code})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"kind": "offered", "message": "Seen at a market", "contact": "me@finder.test"}
        )
        unknown = client.post(
            reverse("portal:found_report", kwargs={"code": "nonsense"}), {"kind": "found", "message": "x"}
        )
    assert response.status_code == unknown.status_code == 200
    # The same page whatever happened (only the sender's own address differs, in the language switcher).
    assert _without_csrf(response.content).replace(item.public_code, "CODE") == _without_csrf(
        unknown.content
    ).replace("nonsense", "CODE")
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@brand.test", "heloise.private@example.test"]
    owner_mail = next(m for m in mail.outbox if m.to == ["heloise.private@example.test"])
    assert "me@finder.test" not in owner_mail.body
    with brand_context(brand):
        report = FoundReport.objects.get()
    assert (report.kind, report.contact, report.item_id) == ("offered", "me@finder.test", item.pk)


def test_a_service_logged_by_a_store_shows_at_once_on_a_cached_page(
    client, brand, item, django_capture_on_commit_callbacks
):
    from warranties import services as warranty_services

    client.get(_url(item.public_code))
    assert "Engraving" not in client.get(_url(item.public_code)).content.decode()  # served from the cache
    workshop = StoreFactory(brand=brand, city="Zürich", country="CH")
    with django_capture_on_commit_callbacks(execute=True), brand_context(brand):
        warranty_services.intervention_create(
            brand=brand, item=item, store=workshop, kind="engraving", received_on=date(2026, 1, 5)
        )
    text = client.get(_url(item.public_code)).content.decode()
    assert "Engraving" in text and "Zürich" in text


def test_codes_carry_75_random_bits_and_unknown_codes_get_identical_404s_then_429(client, brand, monkeypatch):
    """WEB-05: a code's body is 15 symbols drawn by `secrets` from 32 (75 bits ≥ 64), each position
    uniform over the alphabet; random well-formed codes asked on the page get byte-identical 404s (nothing
    tells one unknown code from another), and 429 past the per-IP limit. (10,000 random codes through the
    resolver: test_enumeration_of_random_codes_finds_nothing_then_429.)"""
    import math
    import secrets as real_secrets

    from warranties.inventory import codes

    assert len(set(codes.ALPHABET)) == 32
    assert codes.DATA_SYMBOLS * math.log2(len(set(codes.ALPHABET))) == 75 >= 64
    draws: list[str] = []
    draw = real_secrets.choice

    def choice(alphabet: str) -> str:
        draws.append(alphabet)
        return draw(alphabet)

    monkeypatch.setattr(codes.secrets, "choice", choice)
    sample = [public_code_new(brand=brand) for _ in range(10_000)]
    monkeypatch.undo()
    assert draws == [codes.ALPHABET] * (10_000 * codes.DATA_SYMBOLS)  # every random symbol from secrets
    bodies = [code.split("-", 1)[1].replace("-", "") for code in sample]
    for position in range(codes.DATA_SYMBOLS):
        counts = {symbol: 0 for symbol in codes.ALPHABET}
        for body in bodies:
            counts[body[position]] += 1
        # 312.5 expected per symbol (σ ≈ 17.4): a position stuck, biased or drawn from fewer symbols fails.
        assert 200 < min(counts.values()) and max(counts.values()) < 430, (position, counts)
    with override_settings(PORTAL_PUBLIC_LOOKUP_RATE="30/m"):
        answers = {}
        for n, code in enumerate(sample[:300]):
            response = client.get(_url(code), REMOTE_ADDR=f"198.51.100.{n % 10}")
            # The same bytes but for the CSRF token (masked afresh each time) and the address itself.
            body = re.sub(r"[A-Za-z0-9]{64}", "<csrf>", response.content.decode()).replace(code, "<code>")
            answers.setdefault((response.status_code, body), []).append(code)
        assert [status for status, _body in answers] == [404]  # 300 codes, one identical answer
        over = [client.get(_url(code), REMOTE_ADDR="198.51.100.0").status_code for code in sample[300:302]]
        assert over == [429, 429]
