"""Words, not codes: the main pages, in English and in French, never show a raw coded value.

The codes looked for are every value of every model choice, every value registered in jewelcrm.labels
(genders, family situations, field sources, audit actions, item event kinds...) and the field names of the
customer profile. A page fails when a text node reads exactly like a lower-case code ("married",
"intervention_status", "claim.partial"), or contains a code made of several words ("first_name: ERP",
"Item event · intervention_status").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from customers.models import Customer
from customers.tests.factories import ConsentFactory, CustomerFactory, OrderFactory, RelationFactory
from jewelcrm import labels
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from warranties import services as warranty_services
from warranties.tests.factories import InterventionFactory, RegistrationFactory

# Codes that are also ordinary words of the pages' own sentences in one of the languages.
ORDINARY_WORDS = {"email", "phone", "post", "other", "api", "sms", "store", "import"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def known_codes() -> set[str]:
    codes: set[str] = set()
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in ("customers", "warranties", "jewelcrm"):
            continue
        for f in model._meta.concrete_fields:
            for value, _label in f.flatchoices or []:
                if isinstance(value, str) and value:
                    codes.add(value)
    for vocabulary in labels._VOCABULARIES:  # noqa: SLF001 - the test reads the registry itself
        codes.update(k for k in labels.labels(vocabulary) if isinstance(k, str))
    codes.update(f.name for f in Customer._meta.concrete_fields if "_" in f.name)
    codes.update({"male", "female", "married", "single", "en", "fr", "marketing", "erp", "eshop", "web"})
    return {c for c in codes if c == c.lower() and c not in ORDINARY_WORDS and len(c) > 1}


def raw_codes(html: str, codes: set[str]) -> list[str]:
    compound = [c for c in codes if "_" in c or "." in c]
    pattern = re.compile(
        r"(?<![\w@/.-])("
        + "|".join(re.escape(c) for c in sorted(compound, key=len, reverse=True))
        + r")(?![\w@-])"
    )
    found = []
    for node in visible_text(html):
        if node in codes:
            found.append(node)
        elif match := pattern.search(node):
            found.append(f"{match.group(1)!r} in {node!r}")
    return found


def test_the_finder_reports_raw_values_and_passes_labels():
    codes = {"married", "intervention_status", "claim.partial", "first_name"}
    html = (
        "<dl><dd>married</dd><dd>Married</dd></dl><p>Item event · intervention_status</p>"
        "<td>claim.partial</td><td>first_name: ERP</td><td>owner@x.demo</td><script>var married</script>"
    )
    assert raw_codes(html, codes) == [
        "married",
        "'intervention_status' in 'Item event · intervention_status'",
        "claim.partial",
        "'first_name' in 'first_name: ERP'",
    ]
    assert raw_codes("<dd>Married</dd><p>Intervention update: Ready for collection</p>", codes) == []


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A French request leaves French active in the thread: give the next test English back."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def history(brand, owner_client):
    """A customer whose pages hold every kind of coded value: profile codes, sources, consents, an
    order, a piece with an intervention that moved on, a claim partly approved (audit log)."""
    store = StoreFactory(brand=brand, code="GVA-RHO", name="Genève Rhône")
    customer = CustomerFactory(
        brand=brand,
        first_name="Ana",
        last_name="David",
        gender="male",
        family_situation="married",
        language="en",
        preferred_channel="email",
        home_store=store,
        field_sources={"first_name": "erp", "email": "eshop", "phone": "store"},
    )
    registration = RegistrationFactory(brand=brand, customer=customer, store=store)
    with brand_context(brand):
        type(registration.item).objects.filter(pk=registration.item.pk).update(owner=customer)
        registration.item.refresh_from_db()
        intervention = InterventionFactory(
            brand=brand, item=registration.item, store=store, kind="stone_replacement"
        )
        for status in ("in_workshop", "ready"):
            warranty_services.intervention_advance(brand=brand, intervention=intervention, status=status)
        claim = warranty_services.claim_create(
            brand=brand, intervention=intervention, store=store, labour_amount=80, parts_amount=20
        )
        warranty_services.claim_decide(
            brand=brand, claim=claim, decision="partial", amount=Decimal("50.00"), reason="Parts not covered"
        )
    OrderFactory(brand=brand, customer=customer, store=store, channel="store", status="partially_refunded")
    ConsentFactory(brand=brand, customer=customer, channel="email", purpose="marketing", is_confirmed=True)
    RelationFactory(brand=brand, customer=customer, name="Paul", kind="spouse", birth_date=date(1980, 6, 1))
    return {"customer": customer, "claim": claim, "intervention": intervention}


PAGES = [
    ("customer360:detail", "customer"),
    ("customers:gdpr", "customer"),
    ("customers:consents", "customer"),
    ("customer360:list", None),
    ("accounts:audit_log", None),
    ("warranties:claim_detail", "claim"),
    ("warranties:claim_queue", None),
    ("warranties:registrations", None),
]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("name", "obj"), PAGES, ids=[p[0] for p in PAGES])
def test_main_pages_show_labels_not_codes(brand, owner_client, history, language, name, obj):
    kwargs = {"brand_slug": brand.slug}
    if obj:
        kwargs["pk"] = history[obj].pk
    owner_client.cookies["django_language"] = language
    response = owner_client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert raw_codes(response.content.decode(), known_codes()) == []


def test_every_audit_action_written_by_the_code_has_a_label():
    root = Path(settings.BASE_DIR)
    written = set()
    for path in root.glob("**/*.py"):
        if any(part in (".venv", "node_modules", "tests", "migrations") for part in path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        written.update(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
    written |= {f"claim.{d}" for d in warranty_services.CLAIM_DECISIONS}
    written |= {"item.reported_lost", "item.reported_stolen"}
    missing = sorted(a for a in written if not labels.is_known("audit_action", a))
    assert missing == []


def test_an_erased_profile_shows_its_pseudonym_once_and_no_personal_data(brand, owner_client, history):
    from customers.gdpr import customer_erase

    customer = history["customer"]
    with brand_context(brand):
        customer_erase(brand=brand, customer=customer)
    body = owner_client.get(
        reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": customer.pk})
    ).content.decode()
    assert body.count(f"Erased customer #{customer.pk}") == 2  # the title and the heading
    assert f"Erased customer #{customer.pk} erased" not in body
    assert 'data-testid="erased-notice"' in body
    for gone in ("Paul", "Spouse or partner", "Ana", "David", "Edit profile", "Add a relation"):
        assert gone not in body, gone
    owner_client.cookies["django_language"] = "fr"
    body = owner_client.get(
        reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": customer.pk})
    ).content.decode()
    assert f"Client effacé n° {customer.pk}" in body


def test_the_gdpr_page_reads_as_sections_with_the_json_beside_it(brand, owner_client, history):
    customer = history["customer"]
    response = owner_client.get(
        reverse("customers:gdpr", kwargs={"brand_slug": brand.slug, "pk": customer.pk})
    )
    titles = [str(s.title) for s in response.context["sections"]]
    assert titles[:2] == ["Identity", "Contact"]
    for title in (
        "Consents and their history",
        "Relations",
        "Pieces",
        "Warranties",
        "Orders",
        "Interventions",
        "History of the pieces",
    ):
        assert title in titles, title
    identity = dict((str(k), v) for k, v in response.context["sections"][0].pairs)
    assert (
        identity["Gender"] == "Male"
        and identity["Family situation"] == "Married"
        and identity["Language"] == "English"
    )
    body = response.content.decode()
    assert 'href="?download=json"' in body
    for raw in ("brand_id", "assigned_associate_id", "{'", "FIRST_NAME"):
        assert raw not in body, raw


def test_the_claim_page_shows_the_owner_the_warranty_and_the_approved_amount_where_it_applies(
    brand, owner_client, history
):
    claim = history["claim"]
    body = owner_client.get(
        reverse("warranties:claim_detail", kwargs={"brand_slug": brand.slug, "pk": claim.pk})
    ).content.decode()
    customer_url = reverse(
        "customer360:detail", kwargs={"brand_slug": brand.slug, "pk": history["customer"].pk}
    )
    assert f'href="{customer_url}" data-testid="claim-owner">Ana David</a>' in body
    assert 'data-testid="approved-amount"><strong>50.00 EUR</strong>' in body
    assert "valid until" in body
    item_url = reverse(
        "inventory:item_detail", kwargs={"brand_slug": brand.slug, "pk": history["intervention"].item_id}
    )
    assert f'href="{item_url}"' in body
    with brand_context(brand):
        submitted = warranty_services.claim_create(
            brand=brand,
            intervention=InterventionFactory(
                brand=brand, item=history["intervention"].item, store=history["intervention"].store
            ),
            store=history["intervention"].store,
            labour_amount=10,
            parts_amount=0,
        )
    body = owner_client.get(
        reverse("warranties:claim_detail", kwargs={"brand_slug": brand.slug, "pk": submitted.pk})
    ).content.decode()
    assert "approved-amount" not in body


def test_the_customer_list_sorts_by_its_columns_and_pages_after_the_last_row(brand, owner_client):
    north = StoreFactory(brand=brand, code="ZZ-1", name="Annecy Lac")
    south = StoreFactory(brand=brand, code="AA-1", name="Zurich Bahnhofstrasse")
    CustomerFactory(brand=brand, first_name="Bea", last_name="Blanc", country="FR", home_store=south)
    CustomerFactory(brand=brand, first_name="Al", last_name="Arnaud", country="CH", home_store=north)
    list_url = reverse("customer360:list", kwargs={"brand_slug": brand.slug})

    def names(**params):
        response = owner_client.get(list_url, params)
        return [c.last_name for c in response.context["customers"]], response.content.decode()

    assert names()[0] == ["Arnaud", "Blanc"]
    assert names(sort="-name")[0] == ["Blanc", "Arnaud"]
    assert names(sort="country")[0] == ["Arnaud", "Blanc"]  # CH before FR
    assert names(sort="-country")[0] == ["Blanc", "Arnaud"]
    assert names(sort="pk; drop")[0] == ["Arnaud", "Blanc"]  # an unknown sort falls back to the name
    body = names(sort="name")[1]
    assert "<td>Zurich Bahnhofstrasse</td>" in body and "<td>AA-1</td>" not in body
    assert 'aria-sort="ascending"><a class="sort" href="?sort=-name">' in body
    for n in range(30):
        CustomerFactory(brand=brand, first_name=f"F{n:02}", last_name="Cornu", country="FR")
    first = owner_client.get(list_url, {"sort": "-name"})
    page = first.context["page"]
    assert (len(page.customers), page.count, page.is_count_capped, page.is_first) == (25, 32, False, True)
    second = owner_client.get(list_url, {"sort": "-name", "after": page.next_cursor})
    following = second.context["page"]
    shown = [c.pk for c in page.customers] + [c.pk for c in following.customers]
    assert len(following.customers) == 7 and following.next_cursor == "" and not following.is_first
    assert len(set(shown)) == 32
    assert [c.last_name for c in following.customers][-2:] == ["Blanc", "Arnaud"]
    assert owner_client.get(list_url, {"after": "forged"}).context["page"].is_first  # a bad cursor: page 1
