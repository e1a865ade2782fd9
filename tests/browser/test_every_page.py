"""Every main page, in English and in French, on a desktop and on a 390 px phone.

A page fails when it scrolls sideways on the phone, shows a raw coded value (tests/ui/test_words.py), shows
in French a sentence left in English (a text that is exactly an English message of the catalogues whose
French differs), or raises any JavaScript error or console error (the `page` fixtures). The screenshots
the README shows are saved from these runs.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import ExchangeRate
from customers.tests.factories import ConsentFactory, CustomerFactory, OrderFactory, RelationFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory, MembershipFactory, ProductFactory, StoreFactory, UserFactory
from tests.ui.pofile import parse, po_files
from tests.ui.test_words import known_codes, raw_codes, visible_text
from warranties import services as warranty_services
from warranties.inventory.tests.factories import ItemFactory
from warranties.tests.factories import InterventionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE, DESKTOP = "phone", "desktop"


def _english_only_messages() -> set[str]:
    """English messages of several words whose French is different: seen in a French page, they are
    untranslated."""
    found = set()
    for path in po_files(Path(settings.BASE_DIR)):
        for entry in parse(path):
            french = entry.msgstr.get(0, "") if isinstance(entry.msgstr, dict) else ""
            if (
                entry.msgid
                and "%" not in entry.msgid
                and len(entry.msgid.split()) >= 2
                and french
                and french != entry.msgid
            ):
                found.add(entry.msgid)
    return found


@pytest.fixture
def shop(db):
    brand = BrandFactory(
        name="Maison Aurore", slug="maison-aurore", default_currency="EUR", primary_colour="#7A1F3D"
    )
    store = StoreFactory(brand=brand, code="PAR-VDM", name="Boutique Place Vendôme", city="Paris")
    owner = MembershipFactory(brand=brand, role="owner", user=UserFactory(email="owner@aurore.test"))
    associate = MembershipFactory(
        brand=brand, role="sales_associate", store=store, user=UserFactory(email="associate@aurore.test")
    )
    product = ProductFactory(
        brand=brand,
        name_en="Aurore solitaire ring",
        name_fr="Bague solitaire Aurore",
        price=Decimal("4200.00"),
    )
    customer = CustomerFactory(
        brand=brand,
        first_name="Ana",
        last_name="David-Fontaine",
        email="ana.david-fontaine@example.test",
        phone="+41794382683",
        gender="female",
        family_situation="married",
        language="fr",
        country="CH",
        home_store=store,
        assigned_associate=associate.user,
        tags=["VIP"],
        field_sources={"first_name": "erp", "email": "eshop"},
    )
    RelationFactory(
        brand=brand, customer=customer, name="Paul David", kind="spouse", birth_date=date(1979, 6, 1)
    )
    ConsentFactory(brand=brand, customer=customer, channel="email", is_confirmed=True)
    OrderFactory(brand=brand, customer=customer, store=store, channel="web", status="paid")
    item = ItemFactory(brand=brand, product=product, current_store=store, status="sold", owner=customer)
    RegistrationFactory(
        brand=brand,
        customer=customer,
        store=store,
        item=item,
        sold_on=timezone.localdate() - timedelta(days=40),
    )
    ItemFactory(brand=brand, product=product, current_store=store)
    with brand_context(brand):
        intervention = InterventionFactory(
            brand=brand, item=item, store=store, kind="resizing", created_by=associate.user
        )
        warranty_services.intervention_advance(brand=brand, intervention=intervention, status="in_workshop")
        claim = warranty_services.claim_create(
            brand=brand, intervention=intervention, store=store, labour_amount=80, parts_amount=20
        )
        warranty_services.claim_decide(
            brand=brand, claim=claim, decision="partial", amount=Decimal("60"), reason="Parts not covered"
        )
    ExchangeRate.objects.create(currency="CHF", date=timezone.localdate(), rate_to_eur=Decimal("1.05"))
    from campaigns.delivery.tests.factories import SuppressionFactory

    SuppressionFactory(brand=brand, email="bounced@example.test", reason="bounce", source="Mailgun webhook")
    with brand_context(brand):
        from segmentation.insights.services import insights_refresh

        insights_refresh(brand=brand)  # the insights pages show their charts, not only empty states
    return {
        "brand": brand,
        "owner": owner,
        "associate": associate,
        "customer": customer,
        "item": item,
        "intervention": intervention,
        "claim": claim,
    }


def _pages(shop, who):
    slug = shop["brand"].slug
    b = {"brand_slug": slug}
    if who == "owner":
        return [
            ("home-dashboard", reverse("accounts:dashboard", kwargs=b)),
            ("customer-list", reverse("customer360:list", kwargs=b)),
            ("customer-360", reverse("customer360:detail", kwargs={**b, "pk": shop["customer"].pk})),
            ("gdpr", reverse("customers:gdpr", kwargs={**b, "pk": shop["customer"].pk})),
            ("consents", reverse("customers:consents", kwargs={**b, "pk": shop["customer"].pk})),
            ("registrations", reverse("warranties:registrations", kwargs=b)),
            ("claims", reverse("warranties:claim_queue", kwargs=b) + "?status=all"),
            ("claim", reverse("warranties:claim_detail", kwargs={**b, "pk": shop["claim"].pk})),
            ("payouts", reverse("warranties:payouts", kwargs=b)),
            ("items", reverse("inventory:item_list", kwargs=b)),
            ("item", reverse("inventory:item_detail", kwargs={**b, "pk": shop["item"].pk})),
            ("stock", reverse("inventory:stock", kwargs=b)),
            ("stores", reverse("retail:store_list", kwargs=b)),
            ("catalogue", reverse("catalog:product_list", kwargs=b)),
            ("imports", reverse("imports:list", kwargs=b)),
            ("team", reverse("accounts:team", kwargs=b)),
            ("audit-log", reverse("accounts:audit_log", kwargs=b)),
            ("suppressions", reverse("campaign_delivery:suppressions", kwargs=b)),
            ("insights-overview", reverse("insights:overview", kwargs=b)),
            ("insights-customers", reverse("insights:customers", kwargs=b)),
            ("insights-services", reverse("insights:services", kwargs=b)),
        ]
    return [
        ("home-intranet", reverse("accounts:intranet", kwargs=b)),
        ("register", reverse("warranties:register", kwargs=b)),
        ("lookup", reverse("warranties:lookup", kwargs=b) + "?q=ana.david-fontaine%40example.test"),
        ("interventions", reverse("warranties:interventions", kwargs=b)),
        (
            "intervention",
            reverse("warranties:intervention_detail", kwargs={**b, "pk": shop["intervention"].pk}),
        ),
        ("store-claims", reverse("warranties:store_claims", kwargs=b)),
        ("client-book", reverse("customers:client_book", kwargs=b)),
        ("my-stock", reverse("inventory:my_stock", kwargs=b)),
        ("service-requests", reverse("portal:store_queue", kwargs=b)),
    ]


def _sign_in(page, live_server, user, language):
    client = Client()
    client.force_login(user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"},
        ]
    )


SCREENSHOTS = {
    ("owner", "en", DESKTOP): {
        "customer-360": "customer-360",
        "gdpr": "gdpr",
        "claim": "claim",
        "payouts": "payouts",
    },
    ("owner", "fr", PHONE): {"customer-list": "customer-list-phone-fr"},
    ("associate", "en", PHONE): {"client-book": "client-book-phone"},
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("who", ["owner", "associate"])
def test_every_main_page_reads_like_a_product(
    request, live_server, shop, screenshot, who, language, viewport
):
    page = request.getfixturevalue("phone_page" if viewport == PHONE else "page")
    _sign_in(page, live_server, shop[who].user, language)
    codes = known_codes()
    english = _english_only_messages() if language == "fr" else set()
    problems = []
    for name, path in _pages(shop, who):
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        if response is None or response.status >= 400:
            problems.append(f"{name}: HTTP {response.status if response else '?'}")
            continue
        html = page.content()
        assert f'lang="{language}"' in html, name
        raw = raw_codes(html, codes)
        if raw:
            problems.append(f"{name}: raw values {raw}")
        if english:
            left = sorted({text for text in visible_text(html) if text in english})
            if left:
                problems.append(f"{name}: English in the French page {left}")
        if viewport == PHONE:
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{name}: scrolls sideways by {overflow}px on a 390 px phone")
        shot = SCREENSHOTS.get((who, language, viewport), {}).get(name)
        if shot:
            screenshot(page, shot)
    assert problems == []
