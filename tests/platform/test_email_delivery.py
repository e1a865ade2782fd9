"""E-mails exactly once through the send log, with a real Redis and real Celery workers in their own
processes (CEL-01, 02, 03, 05), and the send log's behaviour when the mail server fails (CEL-08).

The worker sends into a file mailbox (tests/mailbox.py) that counts every delivery: no de-duplication
on the receiving side, so a second copy would show.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from jewelcrm.messaging.models import Message, MessageStatus
from jewelcrm.messaging.services import RELAY_AFTER, message_relay, message_send
from jewelcrm.tenancy.context import brand_context
from tests.mailbox import received
from tests.worker import Worker, wait_until
from tests.worker_names import WORKER_APPLICATION

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis"),
]


def _sign_in_messages(brand, count: int) -> list[Message]:
    """`count` sign-in e-mails of the owner portal, recorded in one committed transaction."""
    with brand_context(brand):
        return [
            message_send(
                brand=brand,
                key=f"sign-in:{i}",
                kind="portal.sign_in",
                to=f"owner{i:03d}@example.test",
                context={
                    "template": "sign_in",
                    "context": {"brand_name": brand.name, "url": f"https://x.test/{i}", "minutes": 10},
                },
                language="en",
            )
            for i in range(count)
        ]


def _status_counts(brand) -> dict[str, int]:
    with brand_context(brand):
        return {s: Message.objects.filter(status=s).count() for s in MessageStatus.values}


def _queue_drained(*, taken: bool = True) -> bool:
    """No task waiting in the queue and (with `taken`) none taken by a worker and not yet acknowledged."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    return client.llen("celery") == 0 and (not taken or client.hlen("unacked") == 0)


def _sent_all(brand, count: int, *, taken: bool = True):
    return lambda: _status_counts(brand)[MessageStatus.SENT] == count and _queue_drained(taken=taken)


def test_200_emails_with_worker_children_killed_at_five_points_arrive_once_each(
    transactional_db, brand, broker, workers, tmp_path
):
    """CEL-01: children SIGKILLed before the claim, with the row claimed before anything leaves (twice),
    after the message was sent and committed but before the broker's acknowledgement, and one message
    killed at two points: after draining, 200 recipients with exactly one e-mail each."""
    messages = _sign_in_messages(brand, 200)
    ids = [m.pk for m in messages]
    (tmp_path / "mailbox.txt.killtask").write_text(
        f"{ids[10]} prerun\n{ids[130]} postrun\n{ids[170]} prerun\n"
    )
    (tmp_path / "mailbox.txt.kill").write_text(
        "owner050@example.test open\nowner090@example.test send\nowner170@example.test send\n"
    )
    workers(concurrency="2")
    wait_until(_sent_all(brand, 200), what="200 e-mails sent and the queue drained")
    killed = sorted(p.name.split(".killed.")[1] for p in tmp_path.glob("mailbox.txt.killed.*"))
    assert killed == sorted(
        [
            "owner050@example.test.open",
            "owner090@example.test.send",
            "owner170@example.test.send",
            f"task.{ids[10]}.prerun",
            f"task.{ids[130]}.postrun",
            f"task.{ids[170]}.prerun",
        ]
    )
    counts = received(tmp_path / "mailbox.txt")
    assert len(counts) == 200
    assert set(counts.values()) == {1}
    with brand_context(brand):
        attempts = dict(Message.objects.values_list("to", "attempts"))
    # A child killed inside the send leaves its claim ("sending") committed: the redelivered task asks the
    # mailbox, which never received it, and sends it: a second attempt. Every other message: one.
    resent = {"owner050@example.test", "owner090@example.test", "owner170@example.test"}
    assert {to for to, n in attempts.items() if n == 2} == resent
    assert {n for to, n in attempts.items() if to not in resent} == {1}


def _kill_the_whole_worker_twice(brand, workers, mailbox, **env):
    """60 e-mails; the worker's whole process group SIGKILLed twice mid-run (a machine dying), some of its
    children inside a send. Returns the status counts after the kills."""
    (mailbox.parent / "mailbox.txt.slow").write_text(
        "\n".join(f"owner{i:03d}@example.test 0.05" for i in range(60))
    )
    _sign_in_messages(brand, 60)
    for round_ in (1, 2):
        worker = workers(concurrency="2", **env)
        least = 15 * round_
        wait_until(lambda: sum(received(mailbox).values()) >= least, what=f"round {round_} started")  # noqa: B023
        worker.kill()
    # PostgreSQL ends a dead worker's sessions (rolling back what they had not committed, releasing their
    # locks) once it notices their sockets closed: wait for that, as a restarted worker would.
    wait_until(_no_other_session, what="the dead workers' database sessions ended", limit=30)
    return _status_counts(brand)


def _no_other_session() -> bool:
    """No session of a test worker left on the test database (the suite's own others, a browser test's
    live server say, do not count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = %s",
            [WORKER_APPLICATION],
        )
        return cursor.fetchone()[0] == 0


def _relay_once_due(brand, statuses):
    """The beat's next tick once the messages are due (RELAY_AFTER): the relay enqueues every one still
    pending or "sending", those the dead workers had taken included (Redis would hand those back only
    after the visibility timeout, two hours)."""
    from django.utils import timezone

    with brand_context(brand):
        relayed = message_relay(brand=brand, now=timezone.now() + RELAY_AFTER)
    assert relayed == statuses[MessageStatus.PENDING] + statuses[MessageStatus.SENDING]
    assert relayed == 60 - statuses[MessageStatus.SENT]


def test_the_whole_worker_killed_twice_and_restarted_loses_and_duplicates_nothing(
    transactional_db, brand, broker, workers, tmp_path
):
    """CEL-02, strict: the worker's whole process group SIGKILLed twice mid-run, then restarted. Each
    message is marked "sending" (committed) before it is handed to the mail server; a message found
    "sending" after its sender died is checked with the provider by its Message-ID (here the mailbox's
    own record): received, it is marked sent; not received, it is sent (ADR 0040). 0 lost, 0 duplicated,
    within the visibility timeout (never reached: the relay, not Redis, brings the tasks back)."""
    mailbox = tmp_path / "mailbox.txt"
    statuses = _kill_the_whole_worker_twice(brand, workers, mailbox)
    assert 0 < statuses[MessageStatus.SENT] < 60
    _relay_once_due(brand, statuses)
    worker = workers(concurrency="2")
    wait_until(_sent_all(brand, 60, taken=False), what="60 e-mails sent after the restarts", limit=60)
    expected = {f"owner{i:03d}@example.test": 1 for i in range(60)}
    assert received(mailbox) == expected  # every copy counted: not one twice
    # Later, Redis hands back the tasks the dead workers had taken (a visibility timeout of 1 s here):
    # they find their messages sent.
    worker.stop()
    workers(concurrency="2", WORKER_VISIBILITY_TIMEOUT="1")
    wait_until(_sent_all(brand, 60), what="the dead workers' tasks handed back and run")
    assert received(mailbox) == expected


def test_without_a_provider_check_a_send_cut_by_the_kill_is_parked_as_uncertain_never_duplicated(
    transactional_db, brand, broker, workers, tmp_path
):
    """CEL-02 with plain SMTP (no way to ask the provider, the default): at most once. A message whose
    sender died mid-send is parked as "Delivery uncertain", shown with "Send again"; none arrives twice
    and none is dropped silently: sent + uncertain = 60."""
    mailbox = tmp_path / "mailbox.txt"
    statuses = _kill_the_whole_worker_twice(brand, workers, mailbox, WORKER_DELIVERY_CHECK="")
    _relay_once_due(brand, statuses)
    workers(concurrency="2", WORKER_DELIVERY_CHECK="")
    wait_until(
        lambda: (
            _status_counts(brand)[MessageStatus.SENT] + _status_counts(brand)[MessageStatus.UNCERTAIN] == 60
            and _queue_drained(taken=False)
        ),
        what="every message sent or parked",
        limit=60,
    )
    counts = received(mailbox)
    assert set(counts.values()) == {1}  # 0 duplicated
    after = _status_counts(brand)
    assert after[MessageStatus.SENT] + after[MessageStatus.UNCERTAIN] == 60
    with brand_context(brand):
        sent_to = set(Message.objects.filter(status=MessageStatus.SENT).values_list("to", flat=True))
        uncertain = list(
            Message.objects.filter(status=MessageStatus.UNCERTAIN).values_list("to", "last_error")
        )
    assert sent_to <= set(counts)  # every message marked sent arrived
    assert len(uncertain) <= 2 * 2  # at most the children killed inside a send, two per kill
    assert all("may or may not have arrived" in reason for _to, reason in uncertain)


def test_a_send_longer_than_the_visibility_timeout_still_sends_one_email(
    transactional_db, brand, broker, workers, tmp_path
):
    """CEL-03: a send (15 s) outlasts the broker's visibility timeout (1 s here). A second worker starting
    meanwhile gets the task back from Redis and runs it while the first is still sending: it waits for
    the message's claim and finds it sent."""
    (tmp_path / "mailbox.txt.slow").write_text("owner000@example.test 15\n")
    log = tmp_path / "mailbox.worker.log"
    _sign_in_messages(brand, 1)
    workers(concurrency="1", WORKER_VISIBILITY_TIMEOUT="1")
    wait_until(lambda: log.exists() and "received" in log.read_text(), what="the first worker took the task")
    workers(concurrency="1", WORKER_VISIBILITY_TIMEOUT="1")
    wait_until(lambda: log.read_text().count("succeeded") == 2, what="both workers ran the task")
    wait_until(_sent_all(brand, 1), what="the slow e-mail sent")
    assert received(tmp_path / "mailbox.txt") == {"owner000@example.test": 1}
    with brand_context(brand):
        assert Message.objects.get().attempts == 1


def test_the_same_send_three_times_and_concurrently_gives_one_email(
    transactional_db, brand, broker, workers, tmp_path
):
    """CEL-05: the same send recorded three times in a row and three times at once (three threads, three
    transactions), and its delivery enqueued three more times: one row, one e-mail."""
    from django.db import connections, transaction

    def send_once() -> int:
        try:
            with brand_context(brand), transaction.atomic():
                return message_send(
                    brand=brand,
                    key="transfer:7",
                    kind="portal.sign_in",
                    to="same@example.test",
                    context={
                        "template": "sign_in",
                        "context": {"brand_name": "B", "url": "u", "minutes": 10},
                    },
                ).pk
        finally:
            connections.close_all()

    ids = [send_once() for _ in range(3)]
    threads = [threading.Thread(target=lambda: ids.append(send_once())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    from jewelcrm.messaging.services import message_enqueue

    for _ in range(3):
        message_enqueue(brand_id=brand.pk, message_id=ids[0])
    assert len(set(ids)) == 1
    workers(concurrency="2")
    wait_until(_sent_all(brand, 1), what="the e-mail sent")
    assert received(tmp_path / "mailbox.txt") == {"same@example.test": 1}
    with brand_context(brand):
        assert Message.objects.count() == 1


def test_suite_uses_its_own_database(transactional_db):
    assert connection.settings_dict["NAME"].startswith("test_")


def test_a_task_enqueued_after_commit_survives_its_broker_restarting_without_persistence(
    transactional_db, brand, tmp_path
):
    """Item: tasks survive the broker. The e-mail's row is committed with its business transaction and
    its task handed to a Redis without persistence; that Redis restarts empty before any worker took the
    task. The relay enqueues it again once due, and the worker sends it once."""
    import redis

    from tests.redis_server import RedisServer, broker_at

    server = RedisServer(port=7302, directory=tmp_path).start()
    worker = None
    try:
        with broker_at(server.url):
            (message,) = _sign_in_messages(brand, 1)
            client = redis.Redis.from_url(server.url)
            assert client.llen("celery") == 1  # handed to the broker after the commit
            server.restart()
            assert client.llen("celery") == 0  # ... and lost with it
            worker = Worker(broker_url=server.url, mailbox=tmp_path / "mailbox.txt").start()
            from django.utils import timezone

            with brand_context(brand):
                assert message_relay(brand=brand, now=timezone.now() + RELAY_AFTER) == 1
            wait_until(lambda: _status_counts(brand)[MessageStatus.SENT] == 1, what="the e-mail sent")
            wait_until(lambda: client.llen("celery") == 0 and client.hlen("unacked") == 0, what="drained")
        assert received(tmp_path / "mailbox.txt") == {"owner000@example.test": 1}
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
