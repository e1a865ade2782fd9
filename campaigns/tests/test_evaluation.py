"""The daily evaluation: which customers each journey chooses on a local day, once."""

from __future__ import annotations

from datetime import date

import pytest

from campaigns import services
from campaigns.models import Journey, JourneyRun, Recipient
from campaigns.tests.factories import JourneyFactory
from customers.tests.factories import ConsentFactory, CustomerFactory, OrderFactory, RelationFactory
from jewelcrm.tenancy.context import brand_context
from warranties.tests.factories import InterventionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _chosen(brand, kind=None):
    with brand_context(brand):
        qs = Recipient.objects.filter(brand=brand)
        if kind:
            qs = qs.filter(journey__kind=kind)
        return sorted((r.customer_id, r.occasion, r.group) for r in qs)


def test_birthday_chosen_on_the_day_once_with_consent_only(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday")
    yes = consenting(brand, birth_date=date(1980, 6, 12))
    consenting(brand, birth_date=date(1980, 6, 13))  # not today
    CustomerFactory(brand=brand, birth_date=date(1980, 6, 12))  # no consent
    unconfirmed = CustomerFactory(brand=brand, birth_date=date(1980, 6, 12))
    ConsentFactory(brand=brand, customer=unconfirmed, is_confirmed=False)
    withdrawn = consenting(brand, birth_date=date(1980, 6, 12))
    ConsentFactory(brand=brand, customer=withdrawn, is_granted=False, is_confirmed=False)
    no_address = consenting(brand, birth_date=date(1980, 6, 12), email="")

    with brand_context(brand):
        run = services.journey_run_evaluate(brand=brand, day=date(2027, 6, 12))
        again = services.journey_run_evaluate(brand=brand, day=date(2027, 6, 12))
    assert run is not None and run.counts == {"birthday": [1]}
    assert again is None
    assert _chosen(brand) == [(yes.pk, "birthday:2027", "recipient")]
    assert no_address.pk not in [c for c, _, _ in _chosen(brand)]


@pytest.mark.parametrize(
    ("rule", "year", "day", "chosen"),
    [
        ("feb28", 2027, date(2027, 2, 28), True),
        ("feb28", 2027, date(2027, 3, 1), False),
        ("mar1", 2027, date(2027, 2, 28), False),
        ("mar1", 2027, date(2027, 3, 1), True),
        ("feb28", 2028, date(2028, 2, 28), False),
        ("mar1", 2028, date(2028, 2, 29), True),
        ("mar1", 2028, date(2028, 3, 1), False),
    ],
)
def test_29_february_follows_the_brand_rule(brand, consenting, rule, year, day, chosen):
    JourneyFactory(brand=brand, kind="birthday")
    leap = consenting(brand, birth_date=date(1996, 2, 29))
    with brand_context(brand):
        services.settings_update(brand=brand, actor=None, leap_day_rule=rule)
        services.journey_run_evaluate(brand=brand, day=day)
    assert _chosen(brand) == ([(leap.pk, f"birthday:{year}", "recipient")] if chosen else [])


def test_every_occasion_kind(brand, consenting):
    day = date(2027, 6, 12)
    for kind in services.JourneyKind.values:
        JourneyFactory(brand=brand, kind=kind, offset_days=0)
    birthday = consenting(brand, birth_date=date(1970, 6, 12))
    wedding = consenting(brand, wedding_anniversary=date(2001, 6, 12))
    wedding_this_year = consenting(brand, wedding_anniversary=date(2027, 6, 12))  # not an anniversary yet
    since = consenting(brand, customer_since=date(2019, 6, 12))
    giver = consenting(brand)
    relation = RelationFactory(
        brand=brand, customer=giver, birth_date=date(1990, 6, 12), anniversary=date(2010, 6, 12)
    )
    owner = consenting(brand)
    bought = RegistrationFactory(
        brand=brand, customer=owner, sold_on=date(2024, 6, 12), warranty_ends_on=date(2027, 6, 12)
    )
    serviced_owner = consenting(brand)
    serviced = RegistrationFactory(
        brand=brand, customer=serviced_owner, sold_on=date(2023, 1, 5), warranty_ends_on=date(2030, 1, 1)
    )
    product = serviced.item.product
    product.service_interval_months = 24
    with brand_context(brand):
        product.save()
    # the sale + 24 months would be 5 Jan 2025; an intervention on 12 Jun 2025 resets it to 12 Jun 2027
    InterventionFactory(brand=brand, item=serviced.item, store=serviced.store, received_on=date(2025, 6, 12))
    newcomer = consenting(brand)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    RegistrationFactory(
        brand=brand,
        customer=newcomer,
        sold_on=day,
        registered_at=datetime(2027, 6, 12, 23, 30, tzinfo=ZoneInfo("Europe/Paris")),
    )
    buyer = consenting(brand)
    order = OrderFactory(
        brand=brand, customer=buyer, ordered_at=datetime(2027, 6, 12, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    )

    with brand_context(brand):
        services.journey_run_evaluate(brand=brand, day=day)
    chosen = {(c, o) for c, o, _ in _chosen(brand)}
    assert (birthday.pk, "birthday:2027") in chosen
    assert (wedding.pk, "wedding:2027") in chosen
    assert not any(c == wedding_this_year.pk for c, _ in chosen)
    assert (since.pk, "since:2027") in chosen
    assert (giver.pk, f"gift-birthday:{relation.pk}:2027") in chosen
    assert (giver.pk, f"gift-anniversary:{relation.pk}:2027") in chosen
    assert (owner.pk, f"purchase:{bought.pk}:2027") in chosen
    assert (owner.pk, f"warranty:{bought.pk}") in chosen
    assert (serviced_owner.pk, f"service:{serviced.item_id}:2027-06-12") in chosen
    assert (newcomer.pk, "welcome") in chosen
    assert (buyer.pk, f"thanks:{order.pk}") in chosen
    # The giver's e-mail names the person the gift is for, and who they are, in the recipient's context.
    with brand_context(brand):
        gift = Recipient.objects.get(brand=brand, occasion=f"gift-birthday:{relation.pk}:2027")
    assert gift.context["recipient_name"] == relation.name
    assert gift.context["recipient_relation"] == relation.kind
    assert gift.context["month"] == 6


def test_offset_sends_before_the_occasion(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday", offset_days=-7)
    person = consenting(brand, birth_date=date(1980, 1, 3))
    with brand_context(brand):
        services.journey_run_evaluate(brand=brand, day=date(2027, 12, 27))
    # seven days before 3 January 2028: the occasion of 2028
    assert _chosen(brand) == [(person.pk, "birthday:2028", "recipient")]


def test_hold_out_share_is_deterministic(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday", hold_out_percent=30)
    for _ in range(200):
        consenting(brand, birth_date=date(1985, 4, 2))
    with brand_context(brand):
        services.journey_run_evaluate(brand=brand, day=date(2027, 4, 2))
        first = {r.customer_id: r.group for r in Recipient.objects.filter(brand=brand)}
        Recipient.objects.filter(brand=brand).delete()
        JourneyRun.objects.filter(brand=brand).delete()
        services.journey_run_evaluate(brand=brand, day=date(2027, 4, 2))
        second = {r.customer_id: r.group for r in Recipient.objects.filter(brand=brand)}
    held = sum(1 for g in first.values() if g == "hold_out")
    assert first == second
    assert 40 <= held <= 80  # 30 % of 200, well inside the binomial spread


def test_catch_up_policy(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday")
    for d in range(1, 11):
        consenting(brand, birth_date=date(1980, 5, d))
    with brand_context(brand):
        services.settings_update(brand=brand, actor=None, catch_up_days=3)
        services.journey_run_evaluate(brand=brand, day=date(2027, 5, 1))
        days = services.days_to_evaluate(brand=brand, today=date(2027, 5, 9))
    # beat down from 2 to 8 May: 6, 7, 8 and today (9) are evaluated; 2 to 5 are not sent late
    assert days == [date(2027, 5, d) for d in (6, 7, 8, 9)]


def test_another_brand_is_never_chosen(brand, other_brand, consenting):
    JourneyFactory(brand=brand, kind="birthday")
    consenting(other_brand, birth_date=date(1980, 6, 12))
    with brand_context(brand):
        services.journey_run_evaluate(brand=brand, day=date(2027, 6, 12))
    assert _chosen(brand) == []
    with brand_context(other_brand):
        assert not Journey.objects.filter(brand=other_brand).exists()


def test_associate_channel_creates_one_task_and_no_email(brand, consenting, client_for):
    from campaigns.outreach.models import OutreachTask
    from jewelcrm.messaging.models import Message

    associate = client_for(brand, "sales_associate")
    JourneyFactory(brand=brand, kind="wedding_anniversary", channel="associate", offset_days=-7)
    person = consenting(
        brand, wedding_anniversary=date(2001, 6, 12), assigned_associate=associate.user, last_name="Weber"
    )
    with brand_context(brand):
        services.journey_run_evaluate(brand=brand, day=date(2027, 6, 5))
    services.recipients_dispatch(brand=brand)
    with brand_context(brand):
        Recipient.objects.filter(brand=brand).update(status="new")  # handed over again: still one task
    services.recipients_dispatch(brand=brand)
    with brand_context(brand):
        tasks = list(OutreachTask.objects.filter(brand=brand))
        assert not Message.objects.filter(brand=brand).exists()
        row = Recipient.objects.get(brand=brand)
    assert len(tasks) == 1 and tasks[0].customer_id == person.pk and tasks[0].assignee_id == associate.user.pk
    assert tasks[0].key == row.message_key and row.status == "task"
    assert tasks[0].due_on == date(2027, 6, 12)
    assert "Weber" in tasks[0].title
