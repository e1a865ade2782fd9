"""Send-time rules in the delivery path, and a simulated year through 29 February and both DST changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from campaigns import services
from campaigns.models import JourneyRun, Recipient
from campaigns.tests.factories import JourneyFactory
from customers.tests.factories import ConsentFactory
from jewelcrm.messaging.delivery import message_deliver
from jewelcrm.messaging.models import Message
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory

pytestmark = pytest.mark.django_db


def deliver_due(brand, now=None) -> None:
    """What the relay and the delivery task do: every pending message that is due, delivered."""
    with brand_context(brand):
        due = Message.objects.filter(brand=brand, status="pending")
        if now is not None:
            due = due.filter(next_attempt_at__lte=now + timedelta(minutes=5))
        ids = list(due.values_list("pk", flat=True))
    for message_id in ids:
        with brand_context(brand):
            message_deliver(brand_id=brand.pk, message_id=message_id)


def _recipient(brand, customer):
    with brand_context(brand):
        return Recipient.objects.get(brand=brand, customer_id=customer.pk)


def _evaluate_at(brand, when):
    with time_machine.travel(when, tick=False):
        services.journeys_evaluate(brand=brand)


def test_sent_once_with_consent(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday")
    person = consenting(brand, birth_date=date(1980, 6, 12), first_name="Anne", language="fr")
    noon = datetime(2027, 6, 12, 10, 0, tzinfo=UTC)
    _evaluate_at(brand, noon)
    _evaluate_at(brand, noon + timedelta(hours=1))
    with time_machine.travel(noon, tick=False):
        deliver_due(brand)
        deliver_due(brand)
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert mail.outbox[0].subject == "Joyeux anniversaire, Anne"
    row = _recipient(brand, person)
    assert (row.status, row.skip_reason) == ("sent", "")


def test_consent_withdrawn_between_scheduling_and_sending(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday")
    person = consenting(brand, birth_date=date(1980, 6, 12))
    noon = datetime(2027, 6, 12, 10, 0, tzinfo=UTC)
    _evaluate_at(brand, noon)
    with brand_context(brand):
        assert Message.objects.filter(brand=brand, status="pending").count() == 1
    ConsentFactory(brand=brand, customer=person, is_granted=False, is_confirmed=False)
    with time_machine.travel(noon, tick=False):
        deliver_due(brand)
    assert mail.outbox == []
    row = _recipient(brand, person)
    assert (row.status, row.skip_reason) == ("skipped", "no_consent")
    with brand_context(brand):
        assert Message.objects.get(brand=brand).status == "skipped"


def test_suppressed_address_is_skipped(brand, consenting):
    from campaigns.delivery.tests.factories import SuppressionFactory

    JourneyFactory(brand=brand, kind="birthday")
    person = consenting(brand, birth_date=date(1980, 6, 12))
    SuppressionFactory(brand=brand, email=person.email)
    noon = datetime(2027, 6, 12, 10, 0, tzinfo=UTC)
    _evaluate_at(brand, noon)
    with time_machine.travel(noon, tick=False):
        deliver_due(brand)
    assert mail.outbox == []
    # The delivery's marketing policy (campaigns.delivery) skips it before our renderer; the next hand-over
    # (every beat) brings the outcome to the recipient row.
    services.recipients_dispatch(brand=brand)
    row = _recipient(brand, person)
    assert (row.status, row.skip_reason) == ("skipped", "suppressed")


def test_quiet_hours_defer_to_the_morning(brand, consenting):
    JourneyFactory(brand=brand, kind="birthday")
    consenting(brand, birth_date=date(1980, 6, 12))
    just_after_midnight = datetime(2027, 6, 11, 22, 30, tzinfo=UTC)  # 00:30 in Paris on 12 June
    _evaluate_at(brand, just_after_midnight)
    with time_machine.travel(just_after_midnight, tick=False):
        deliver_due(brand)
    assert mail.outbox == []
    with brand_context(brand):
        message = Message.objects.get(brand=brand)
    assert message.status == "pending" and message.attempts == 0
    assert message.next_attempt_at == datetime(2027, 6, 12, 7, 0, tzinfo=UTC)  # 09:00 in Paris
    with time_machine.travel(datetime(2027, 6, 12, 7, 1, tzinfo=UTC), tick=False):
        deliver_due(brand)
    assert len(mail.outbox) == 1


def test_weekly_cap_across_journeys_and_campaigns(brand, consenting):
    for kind in ("birthday", "wedding_anniversary", "customer_since"):
        JourneyFactory(brand=brand, kind=kind, offset_days=0)
    with brand_context(brand):
        services.settings_update(brand=brand, actor=None, weekly_cap=2)
    person = consenting(
        brand,
        birth_date=date(1980, 6, 12),
        wedding_anniversary=date(2005, 6, 12),
        customer_since=date(2015, 6, 12),
    )
    noon = datetime(2027, 6, 12, 10, 0, tzinfo=UTC)
    _evaluate_at(brand, noon)
    with time_machine.travel(noon, tick=False):
        deliver_due(brand)
    assert len(mail.outbox) == 2
    with brand_context(brand):
        rows = Counter((r.status, r.skip_reason) for r in Recipient.objects.filter(customer_id=person.pk))
    assert rows == {("sent", ""): 2, ("skipped", "weekly_cap"): 1}


def test_transactional_kinds_ignore_the_cap(brand, consenting):
    from jewelcrm.messaging.registry import Email, email_kind
    from jewelcrm.messaging.services import message_send

    email_kind("tests.transactional", label="Repair ready")(lambda m: Email(subject="Ready", text="Ready"))

    JourneyFactory(brand=brand, kind="birthday")
    with brand_context(brand):
        services.settings_update(brand=brand, actor=None, weekly_cap=1)
    person = consenting(brand, birth_date=date(1980, 6, 12))
    noon = datetime(2027, 6, 12, 10, 0, tzinfo=UTC)
    _evaluate_at(brand, noon)
    with time_machine.travel(noon, tick=False), brand_context(brand):
        message_send(brand=brand, key="test:x", kind="tests.transactional", to=person.email, language="fr")
    with time_machine.travel(noon, tick=False):
        deliver_due(brand)
    assert [m.to for m in mail.outbox] == [[person.email], [person.email]]


# --- CEL-11: a simulated year ------------------------------------------------------------------------

# Dates chosen around what goes wrong: 29 February, both DST changes in Europe and in North America, New
# Year, and the last day of a month.
DATES = [
    date(1992, 2, 29),
    date(1980, 2, 28),
    date(1985, 3, 1),
    date(1975, 3, 28),  # Paris springs forward on 28 March 2027, 26 March 2028
    date(1970, 3, 14),  # New York springs forward on 14 March 2027
    date(1979, 3, 12),  # New York springs forward on 12 March 2028
    date(1990, 10, 31),  # Paris falls back on 31 October 2027
    date(1991, 11, 7),  # New York falls back on 7 November 2027
    date(1988, 12, 31),
    date(1999, 1, 1),
]


def _beats(start: datetime, end: datetime, step: timedelta):
    at = start
    while at < end:
        yield at
        at += step


def test_a_simulated_year_sends_one_birthday_and_one_anniversary_each(consenting):
    brands = [
        BrandFactory(slug="paris-year", time_zone="Europe/Paris", languages=["fr", "en"]),
        BrandFactory(slug="ny-year", time_zone="America/New_York", languages=["en"]),
    ]
    people = {}
    for brand, rule in zip(brands, ("feb28", "mar1"), strict=True):
        with brand_context(brand):
            services.settings_update(brand=brand, actor=None, leap_day_rule=rule)
        JourneyFactory(brand=brand, kind="birthday", offset_days=0, hold_out_percent=0)
        JourneyFactory(brand=brand, kind="wedding_anniversary", offset_days=0, hold_out_percent=0)
        for n, day in enumerate(DATES):
            other = DATES[(n + 3) % len(DATES)]
            wedding = other.replace(year=1996 if (other.month, other.day) == (2, 29) else 2000)
            people[(brand.pk, n)] = consenting(brand, birth_date=day, wedding_anniversary=wedding)
        # and one person who never gave consent
        from customers.tests.factories import CustomerFactory

        CustomerFactory(brand=brand, birth_date=date(1980, 7, 1), wedding_anniversary=date(2001, 7, 2))

    # Beats every 3 hours (UTC) from 1 September 2027 to 1 September 2028 (leap year 2028); each followed by
    # the relay and the delivery of what is due; quiet hours hold the night's e-mails until the morning.
    start = datetime(2027, 9, 1, 0, 11, tzinfo=UTC)
    end = datetime(2028, 9, 1, 0, 11, tzinfo=UTC)
    step = timedelta(hours=3)
    for at in _beats(start, end, step):
        with time_machine.travel(at, tick=False):
            for brand in brands:
                services.journeys_evaluate(brand=brand)
                deliver_due(brand, now=at)

    sent = Counter()
    for message in mail.outbox:
        sent[message.to[0]] += 1
    for brand in brands:
        with brand_context(brand):
            rows = Counter(
                (r.customer_id, r.journey.kind)
                for r in Recipient.objects.filter(brand=brand, status="sent").select_related("journey")
            )
            local_days = {at.astimezone(ZoneInfo(brand.time_zone)).date() for at in _beats(start, end, step)}
            assert JourneyRun.objects.filter(brand=brand).count() == len(local_days)  # each day once
        for n in range(len(DATES)):
            person = people[(brand.pk, n)]
            assert rows[(person.pk, "birthday")] == 1, (brand.time_zone, DATES[n])
            assert rows[(person.pk, "wedding_anniversary")] == 1, (brand.time_zone, n)
            assert sent[person.email] == 2
    assert len(mail.outbox) == 2 * 2 * len(DATES)

    # The same day run twice: nothing new (the day's run exists; even without it, the occasion keys hold).
    brand = brands[0]
    with brand_context(brand):
        assert services.journey_run_evaluate(brand=brand, day=date(2028, 2, 29)) is None
        JourneyRun.objects.filter(brand=brand, local_date=date(2028, 2, 29)).delete()
        run = services.journey_run_evaluate(brand=brand, day=date(2028, 2, 29))
    assert run.counts == {"birthday": [0], "wedding_anniversary": [0]}
    deliver_due(brand)
    assert len(mail.outbox) == 2 * 2 * len(DATES)


def test_a_journey_with_a_template_and_a_test_send_render_through_campaign_content(brand, consenting):
    from campaigns.content.tests.factories import EmailTemplateFactory
    from campaigns.tests.factories import CampaignFactory
    from segmentation.models import Segment

    template = EmailTemplateFactory(brand=brand)
    JourneyFactory(brand=brand, kind="birthday", template=template)
    person = consenting(brand, birth_date=date(1980, 6, 12), first_name="Anne", language="fr")
    noon = datetime(2027, 6, 12, 10, 0, tzinfo=UTC)
    _evaluate_at(brand, noon)
    with time_machine.travel(noon, tick=False):
        deliver_due(brand)
    assert [(m.to, m.subject) for m in mail.outbox] == [([person.email], "Joyeux anniversaire, Anne")]
    # the send log's marketing policy added the one-click unsubscribe headers (RFC 8058)
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    with brand_context(brand):
        segment = Segment.objects.create(brand=brand, name="All")
    campaign = CampaignFactory(brand=brand, segment=segment, template=template)
    from tests.factories import UserFactory

    with brand_context(brand):
        services.campaign_send_test(
            brand=brand, campaign=campaign, actor=UserFactory(email="m@x.test"), language="en"
        )
    deliver_due(brand)
    assert mail.outbox[-1].to == ["m@x.test"]
    assert mail.outbox[-1].subject == "[TEST] Happy birthday, dear friend"
    assert "List-Unsubscribe" not in mail.outbox[-1].extra_headers  # a test copy is not marketing
