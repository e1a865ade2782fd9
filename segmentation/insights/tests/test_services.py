"""The services page on a hand-built history; every figure below is worked out by hand.

Stores S1 (retailer R1, France) and S2 (retailer R2, Switzerland). Period: January to March 2026.

| intervention | store | type     | received   | returned   | warranty |
|--------------|-------|----------|------------|------------|----------|
| I1           | S1    | service  | 2026-01-05 | 2026-01-15 | yes      | 10 days
| I2           | S1    | repair   | 2026-02-01 | 2026-02-21 | no       | 20 days
| I3           | S2    | repair   | 2026-02-10 | -          | yes      |
| I4           | S1    | cleaning | 2025-12-20 | 2026-01-04 | yes      | 15 days (received before the period)

Claims: C1 on I1 (S1, EUR 100 + 50, submitted 20 Jan, approved 150 on 2 Feb); C2 on I2 (S1, EUR 80,
submitted 25 Feb, rejected 1 Mar); C3 on I3 (S2, CHF 200, submitted 5 Mar, 120 approved on 10 Mar).

Service due (today 10 May 2026, products with a 24-month interval): P sold in S1 on 10 June 2024 (due June
2026); Q sold in S1 on 15 January 2023, serviced (returned 1 March 2024), due March 2026: overdue; a piece
of a product without an interval is not counted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from jewelcrm.tenancy.context import brand_context
from segmentation.insights import service_insights as si
from segmentation.insights.overview import MonthPeriod
from segmentation.insights.services import insights_refresh
from tests.factories import ProductFactory, RetailerFactory, StoreFactory
from warranties.inventory.tests.factories import ItemFactory
from warranties.tests.factories import InterventionFactory, RegistrationFactory, WarrantyClaimFactory

PERIOD = MonthPeriod(start=date(2026, 1, 1), end=date(2026, 3, 1))
TODAY = date(2026, 5, 10)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def workshop(brand: Any) -> dict[str, Any]:
    r1 = RetailerFactory(brand=brand, name="Maison Dupont")
    r2 = RetailerFactory(brand=brand, name="Horlogerie du Lac")
    s1 = StoreFactory(brand=brand, code="S1", name="Paris", retailer=r1, country="FR")
    s2 = StoreFactory(brand=brand, code="S2", name="Genève", retailer=r2, country="CH", currency="CHF")
    i1 = InterventionFactory(
        brand=brand, store=s1, kind="service", received_on=date(2026, 1, 5), returned_on=date(2026, 1, 15)
    )
    i2 = InterventionFactory(
        brand=brand,
        store=s1,
        kind="repair",
        received_on=date(2026, 2, 1),
        returned_on=date(2026, 2, 21),
        is_under_warranty=False,
    )
    i3 = InterventionFactory(brand=brand, store=s2, kind="repair", received_on=date(2026, 2, 10))
    InterventionFactory(
        brand=brand, store=s1, kind="cleaning", received_on=date(2025, 12, 20), returned_on=date(2026, 1, 4)
    )
    WarrantyClaimFactory(
        brand=brand,
        intervention=i1,
        labour_amount=100,
        parts_amount=50,
        submitted_at=_at(date(2026, 1, 20)),
        status="approved",
        approved_amount=150,
        decided_at=_at(date(2026, 2, 2)),
    )
    WarrantyClaimFactory(
        brand=brand,
        intervention=i2,
        labour_amount=80,
        parts_amount=0,
        submitted_at=_at(date(2026, 2, 25)),
        status="rejected",
        decided_at=_at(date(2026, 3, 1)),
    )
    WarrantyClaimFactory(
        brand=brand,
        intervention=i3,
        labour_amount=200,
        parts_amount=0,
        currency="CHF",
        submitted_at=_at(date(2026, 3, 5)),
        status="partially_approved",
        approved_amount=120,
        decided_at=_at(date(2026, 3, 10)),
    )
    serviced = ProductFactory(brand=brand, reference="SRV", service_interval_months=24)
    plain = ProductFactory(brand=brand, reference="PLN", service_interval_months=None)
    p = ItemFactory(brand=brand, product=serviced, current_store=s1, status="sold")
    q = ItemFactory(brand=brand, product=serviced, current_store=s1, status="sold")
    r = ItemFactory(brand=brand, product=plain, current_store=s2, status="sold")
    RegistrationFactory(brand=brand, store=s1, item=p, sold_on=date(2024, 6, 10))
    RegistrationFactory(brand=brand, store=s1, item=q, sold_on=date(2023, 1, 15))
    RegistrationFactory(brand=brand, store=s2, item=r, sold_on=date(2025, 1, 1))
    InterventionFactory(
        brand=brand,
        store=s1,
        item=q,
        kind="service",
        received_on=date(2024, 2, 1),
        returned_on=date(2024, 3, 1),
    )
    with brand_context(brand):
        insights_refresh(brand=brand)
    return {"stores": (s1, s2), "retailers": (r1, r2)}


def _services(brand: Any, **scope: Any) -> si.Services:
    with brand_context(brand):
        return si.services(
            brand=brand, period=PERIOD, stores=si.stores_in_scope(brand=brand, **scope), today=TODAY
        )


def test_interventions_by_type_and_warranty_against_paid(brand: Any, workshop: Any) -> None:
    figures = _services(brand)
    assert [(k.kind, k.received, k.under_warranty, k.paid) for k in figures.kinds] == [
        ("repair", 2, 1, 1),
        ("service", 1, 1, 0),
    ]
    assert [(m["month"].month, m["warranty"], m["paid"]) for m in figures.months] == [
        (1, 1, 0),
        (2, 1, 1),
        (3, 0, 0),
    ]


def test_turnaround_per_store(brand: Any, workshop: Any) -> None:
    figures = _services(brand)
    assert [(t.store.code, t.returned, t.days, t.average_days) for t in figures.turnaround] == [
        ("S1", 3, 45, Decimal("15.0"))
    ]
    assert figures.totals["average_days"] == Decimal("15.0")


def test_claims_and_payouts_per_retailer(brand: Any, workshop: Any) -> None:
    figures = _services(brand)
    assert [
        (c.retailer.name, c.currency, c.submitted, c.claimed, c.paid, c.payout, c.rejected)
        for c in figures.claims
    ] == [
        ("Horlogerie du Lac", "CHF", 1, Decimal("200.00"), 1, Decimal("120.00"), 0),
        ("Maison Dupont", "EUR", 2, Decimal("230.00"), 1, Decimal("150.00"), 1),
    ]
    swiss = _services(brand, country="CH")
    assert [c.retailer.name for c in swiss.claims] == ["Horlogerie du Lac"]
    assert [k.kind for k in swiss.kinds] == ["repair"]


def test_pieces_due_for_service(brand: Any, workshop: Any) -> None:
    figures = _services(brand)
    assert [(d.store.code, d.overdue, d.next_3, d.next_12) for d in figures.due] == [("S1", 1, 1, 1)]
    assert figures.overdue == 1
    assert [(m["month"], m["pieces"]) for m in figures.due_months[:2]] == [
        (date(2026, 5, 1), 0),
        (date(2026, 6, 1), 1),
    ]


# --- The page ----------------------------------------------------------------------------------------


def _url(brand: Any) -> str:
    return reverse("insights:services", args=[brand.slug])


@pytest.mark.parametrize("role", ["owner", "admin", "marketer", "analyst"])
def test_brand_staff_read_the_services_page(client_for: Any, brand: Any, role: str) -> None:
    html = client_for(brand, role).get(_url(brand)).content.decode()
    assert 'data-testid="empty-kinds"' in html and 'data-testid="empty-claims"' in html


@pytest.mark.parametrize("role", ["retail_manager", "sales_associate"])
def test_retailer_staff_never_see_the_services_page(client_for: Any, brand: Any, role: str) -> None:
    assert client_for(brand, role).get(_url(brand)).status_code == 403


def test_another_brands_store_answers_404(client_for: Any, brand: Any, other_brand: Any) -> None:
    foreign = StoreFactory(brand=other_brand)
    assert client_for(brand, "analyst").get(_url(brand) + f"?store={foreign.pk}").status_code == 404


def test_the_page_its_csv_and_french(client_for: Any, brand: Any, workshop: Any) -> None:
    client = client_for(brand, "owner")
    html = client.get(_url(brand) + "?start=2026-01&end=2026-03").content.decode()
    assert 'data-kind="repair"' in html and "230.00\u00a0EUR" in html and "120.00\u00a0CHF" in html
    assert html.count("<canvas data-chart=") == 5
    csv_text = client.get(_url(brand) + "?start=2026-01&end=2026-03&format=csv&table=claims").content
    lines = csv_text.decode("utf-8-sig").splitlines()
    assert lines[0] == "Retailer,Currency,Claims submitted,Amount claimed,Claims paid,Payouts,Claims rejected"
    assert lines[2] == "Maison Dupont,EUR,2,230.00,1,150.00,1"
    client.cookies["django_language"] = "fr"
    french = client.get(
        _url(brand) + "?start=2026-01&end=2026-03", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Services et demandes de garantie" in french and "15,0 jours" in french


def test_the_page_keeps_a_fixed_number_of_queries(client_for: Any, brand: Any, workshop: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(brand, "owner")
    query = "?start=2026-01&end=2026-03"
    client.get(_url(brand) + query)
    with CaptureQueriesContext(connection) as small:
        client.get(_url(brand) + query)
    for n in range(4):
        store = StoreFactory(brand=brand, code=f"X{n}")
        InterventionFactory(
            brand=brand, store=store, received_on=date(2026, 2, 3 + n), returned_on=date(2026, 2, 10 + n)
        )
    with brand_context(brand):
        insights_refresh(brand=brand)
    with CaptureQueriesContext(connection) as big:
        client.get(_url(brand) + query)
    assert len(big) == len(small)
