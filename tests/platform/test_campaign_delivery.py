"""Campaign and journey e-mails exactly once, with a real Redis and real Celery workers in their own
processes: children SIGKILLed during a batch of 200 campaign e-mails, the whole worker killed twice, the
same hand-over three times and concurrently, two beats at once (CEL-01, 02, 05, 06 for campaigns).

The worker sends into a file mailbox (tests/mailbox.py) that counts every delivery.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from campaigns import services, sql
from campaigns.models import Campaign, JourneyRun, Recipient
from campaigns.tests.factories import CampaignFactory, JourneyFactory
from customers.tests.factories import ConsentFactory, CustomerFactory
from jewelcrm.messaging.models import RELAYED_STATUSES, Message, MessageStatus
from jewelcrm.messaging.services import RELAY_AFTER, message_enqueue, message_relay
from jewelcrm.tenancy.context import brand_context
from tests.mailbox import received, received_distinct
from tests.worker import wait_until
from tests.worker_names import WORKER_APPLICATION

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis"),
]


def _audience(brand, count: int, **fields):
    """`count` customers with a confirmed e-mail consent, and a saved segment of them."""
    from segmentation.models import Segment, SegmentMember

    people = []
    for i in range(count):
        person = CustomerFactory(brand=brand, email=f"client{i:03d}@example.test", language="en", **fields)
        ConsentFactory(brand=brand, customer=person)
        people.append(person)
    with brand_context(brand):
        segment = Segment.objects.create(brand=brand, name="Everyone", member_count=count)
        SegmentMember.objects.bulk_create(
            [SegmentMember(brand=brand, segment=segment, customer_id=p.pk) for p in people]
        )
        # No quiet hours and no cap in the way: these tests are about delivery, whatever the hour.
        services.settings_update(brand=brand, actor=None, quiet_from=0, quiet_until=0, weekly_cap=50)
    return people, segment


def _campaign_started(brand, segment) -> Campaign:
    campaign = CampaignFactory(
        brand=brand, segment=segment, status="scheduled", scheduled_at=timezone.now(), hold_out_percent=0
    )
    assert services.campaigns_start_due(brand=brand) == [campaign.pk]  # commits, then enqueues each
    return campaign


def _rows(brand) -> dict[str, int]:
    with brand_context(brand):
        return {
            s: n
            for s, n in [
                (s, Recipient.objects.filter(brand=brand, status=s).count())
                for s in ("new", "queued", "sent", "skipped")
            ]
            if n
        }


def _drained() -> bool:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def _all_sent(brand, count: int, *, taken: bool = True):
    def check() -> bool:
        with brand_context(brand):
            sent = Message.objects.filter(brand=brand, status=MessageStatus.SENT).count()
        return sent == count and (not taken or _drained())

    return check


def test_200_campaign_emails_with_children_killed_arrive_once_each(
    transactional_db, brand, broker, workers, tmp_path
):
    """Children SIGKILLed before the claim, inside the send (twice, before anything leaves), at the
    connection, and after the commit but before the broker's acknowledgement: every recipient of the
    campaign gets exactly one e-mail, and every recipient row says sent."""
    _people, segment = _audience(brand, 200)
    _campaign_started(brand, segment)
    with brand_context(brand):
        ids = dict(Message.objects.filter(brand=brand).values_list("to", "pk"))
    assert len(ids) == 200
    (tmp_path / "mailbox.txt.killtask").write_text(
        f"{ids['client010@example.test']} prerun\n{ids['client130@example.test']} postrun\n"
        f"{ids['client170@example.test']} prerun\n"
    )
    (tmp_path / "mailbox.txt.kill").write_text(
        "client050@example.test open\nclient090@example.test send\nclient170@example.test send\n"
    )
    workers(concurrency="2")
    wait_until(_all_sent(brand, 200), what="200 campaign e-mails sent and the queue drained")
    assert len(list(tmp_path.glob("mailbox.txt.killed.*"))) == 6
    counts = received(tmp_path / "mailbox.txt")
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert _rows(brand) == {"sent": 200}


def _no_worker_session() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [WORKER_APPLICATION],
        )
        return cursor.fetchone()[0] == 0


def test_the_whole_worker_killed_twice_during_200_campaign_emails(
    transactional_db, brand, broker, workers, tmp_path
):
    """The worker's process group SIGKILLed twice mid-batch, then the relay (the beat's next tick once
    due) and a fresh worker: every recipient has exactly one e-mail and every row says sent once. A
    message cut mid-send by the kill was left "sending"; the next delivery asks the provider (here the
    mailbox's own record) by its Message-ID and sends it only if it never arrived (ADR 0040)."""
    mailbox = tmp_path / "mailbox.txt"
    (tmp_path / "mailbox.txt.slow").write_text(
        "\n".join(f"client{i:03d}@example.test 0.02" for i in range(200))
    )
    _people, segment = _audience(brand, 200)
    _campaign_started(brand, segment)
    for round_ in (1, 2):
        worker = workers(concurrency="2")
        least = 40 * round_
        wait_until(lambda: sum(received(mailbox).values()) >= least, what=f"round {round_} started")  # noqa: B023
        worker.kill()
    # PostgreSQL ends the dead workers' sessions (releasing their row locks, which the relay skips) once it
    # notices their sockets closed: wait for that, as a restarted worker would.
    wait_until(_no_worker_session, what="the dead workers' database sessions ended", limit=30)
    with brand_context(brand):
        pending = Message.objects.filter(brand=brand, status__in=RELAYED_STATUSES).count()
        relayed = message_relay(brand=brand, now=timezone.now() + RELAY_AFTER)
    assert 0 < pending < 200 and relayed == pending
    workers(concurrency="2")
    wait_until(_all_sent(brand, 200, taken=False), what="200 e-mails sent after the restarts")
    assert received_distinct(mailbox) == {f"client{i:03d}@example.test": 1 for i in range(200)}
    assert sum(received(mailbox).values()) == 200  # not one copy twice
    # A message found delivered by the provider check never met the renderer: the next hand-over (the
    # beat's) copies the outcome to its recipient row.
    with brand_context(brand):
        services.recipients_reconcile(brand=brand)
    assert _rows(brand) == {"sent": 200}


def test_the_same_hand_over_three_times_and_concurrently_gives_one_email(
    transactional_db, brand, broker, workers, tmp_path
):
    """A journey's recipient rows handed over three times in a row and three times at once (three
    threads, three transactions), and each message's delivery enqueued three more times: one e-mail."""
    JourneyFactory(brand=brand, kind="birthday", hold_out_percent=0)
    _audience(brand, 3, birth_date=date(1980, 1, 1))
    with brand_context(brand):
        assert services.journey_run_evaluate(brand=brand, day=date(2027, 1, 1)) is not None
        rows = list(Recipient.objects.filter(brand=brand))

    def hand_over() -> None:
        try:
            with brand_context(brand):
                Recipient.objects.filter(brand=brand).update(status="new")
            services.recipients_dispatch(brand=brand)
        finally:
            connections.close_all()

    for _ in range(3):
        hand_over()
    threads = [threading.Thread(target=hand_over) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with brand_context(brand):
        message_ids = list(Message.objects.filter(brand=brand).values_list("pk", flat=True))
    assert len(message_ids) == 3 == len(rows)
    for message_id in message_ids:
        for _ in range(3):
            message_enqueue(brand_id=brand.pk, message_id=message_id)
    workers(concurrency="2")
    wait_until(_all_sent(brand, 3), what="the three e-mails sent")
    assert received(tmp_path / "mailbox.txt") == {f"client{i:03d}@example.test": 1 for i in range(3)}


def test_two_beats_at_once_make_one_run(transactional_db, brand, broker, workers, tmp_path, monkeypatch):
    """Two evaluations of the same brand and day at the same moment (two beats, or a beat and a retry):
    the day's run row is claimed by one; the other waits on it and does nothing."""
    JourneyFactory(brand=brand, kind="birthday", hold_out_percent=0)
    _audience(brand, 5, birth_date=date(1980, 1, 1))
    slow_insert = sql.journey_insert

    def slowly(**kwargs):
        time.sleep(1)  # keep the first run's transaction open while the second arrives
        return slow_insert(**kwargs)

    monkeypatch.setattr(sql, "journey_insert", slowly)
    results: list = []
    barrier = threading.Barrier(2)

    def beat() -> None:
        try:
            barrier.wait()
            with brand_context(brand):
                results.append(services.journey_run_evaluate(brand=brand, day=date(2027, 1, 1)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]
    with brand_context(brand):
        assert JourneyRun.objects.filter(brand=brand).count() == 1
        assert Recipient.objects.filter(brand=brand).count() == 5

    # And through the broker: the hourly fan-out twice at once on a worker with two children.
    from campaigns.tasks import evaluate_journeys_task

    monkeypatch.setattr(sql, "journey_insert", slow_insert)
    with brand_context(brand):
        JourneyRun.objects.filter(brand=brand).delete()
    evaluate_journeys_task.apply_async((brand.pk,))
    evaluate_journeys_task.apply_async((brand.pk,))
    workers(concurrency="2")
    wait_until(_drained, what="both beats run")
    with brand_context(brand):
        today = services.brand_today(brand=brand)
        assert JourneyRun.objects.filter(brand=brand, local_date=today).count() == 1
