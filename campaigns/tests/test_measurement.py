"""The measurement: Wilson and Newcombe intervals against published values, and the page's figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from campaigns import measurement, services
from campaigns.models import Journey, Recipient
from campaigns.tests.factories import JourneyFactory
from customers.tests.factories import OrderFactory
from jewelcrm.tenancy.context import brand_context


def test_wilson_interval_matches_newcombe_1998():
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I: 81/263 -> 0.2553 to 0.3662
    low, high = measurement.wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_newcombe_hybrid_score_interval_matches_the_paper():
    # Newcombe (1998), Statistics in Medicine 17:873-890, example (a): 56/70 - 48/80, method 10:
    # difference 0.2000, interval 0.0524 to 0.3339
    difference, low, high = measurement.newcombe(56, 70, 48, 80)
    assert (round(difference, 4), round(low, 4), round(high, 4)) == (0.2, 0.0524, 0.3339)
    assert measurement.newcombe(1, 10, 0, 0) is None


@pytest.mark.django_db
def test_results_compare_recipients_with_the_hold_out(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday", hold_out_percent=50, cost_per_message=Decimal("0.10"))
    for _ in range(40):
        consenting(brand, birth_date=date(1980, 6, 12))
    with brand_context(brand):
        services.journey_run_evaluate(brand=brand, day=date(2027, 6, 12))
        journey = Journey.objects.get(brand=brand)
        Recipient.objects.filter(journey=journey, group="recipient").update(status="sent")
        rows = list(Recipient.objects.filter(journey=journey))
    recipients = [r for r in rows if r.group == "recipient"]
    held = [r for r in rows if r.group == "hold_out"]
    assert recipients and held
    # every recipient buys within the window (one of them after it: not counted); one hold-out buys
    for r in recipients[1:]:
        OrderFactory(
            brand=brand,
            customer_id=r.customer_id,
            ordered_at=r.created_at + timedelta(days=3),
            total=Decimal("100"),
            total_brand_currency=Decimal("100"),
        )
    OrderFactory(
        brand=brand,
        customer_id=recipients[0].customer_id,
        ordered_at=recipients[0].created_at + timedelta(days=31),
    )
    OrderFactory(
        brand=brand,
        customer_id=held[0].customer_id,
        ordered_at=held[0].created_at + timedelta(days=1),
        total=Decimal("100"),
        total_brand_currency=Decimal("100"),
    )
    with brand_context(brand):
        results = measurement.results(
            brand=brand,
            journey_id=journey.pk,
            window_days=30,
            cost_per_message=journey.cost_per_message,
            segment_labels={},
            store_names={},
        )
    n, h = len(recipients), len(held)
    assert (results.chosen, results.sent) == (40, n)
    assert (results.total.recipients.people, results.total.recipients.converted) == (n, n - 1)
    assert (results.total.hold_out.people, results.total.hold_out.converted) == (h, 1)
    assert results.total.uplift == measurement.newcombe(n - 1, n, 1, h)
    assert results.cost == (Decimal("0.10") * n).quantize(Decimal("0.01"))
    baseline = Decimal(100) / h * n
    assert results.revenue_attributed == (Decimal(100) * (n - 1) - baseline).quantize(Decimal("0.01"))
