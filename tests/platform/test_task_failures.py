"""A task that always fails, with real Redis and a real prefork worker (CEL-09): retried a bounded number
of times with a growing delay, then parked; the other tasks of the same queue keep their throughput."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from jewelcrm.celery import app
from jewelcrm.health import redis_client
from jewelcrm.messaging.models import Message, MessageStatus
from jewelcrm.messaging.services import message_send
from jewelcrm.task_failures import PARKED_KEY, parked_tasks
from jewelcrm.tenancy.context import brand_context
from tests.mailbox import received
from tests.worker import wait_until
from tests.worker_tasks import ATTEMPTS_KEY

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis"),
]

EMAILS = 100
FAILING = 5
RETRIES = 3


def _send(brand, prefix: str, count: int) -> None:
    """`count` sign-in e-mails recorded in one committed transaction: enqueued on commit, on the default
    queue, where the failing tasks are."""
    with brand_context(brand):
        for i in range(count):
            message_send(
                brand=brand,
                key=f"{prefix}:{i}",
                kind="portal.sign_in",
                to=f"{prefix}{i:03d}@example.test",
                context={
                    "template": "sign_in",
                    "context": {"brand_name": brand.name, "url": f"https://x.test/{i}", "minutes": 10},
                },
                language="en",
            )


def _sent(brand, prefix: str) -> int:
    with brand_context(brand):
        return Message.objects.filter(status=MessageStatus.SENT, to__startswith=prefix).count()


def _seconds_to_send(brand, prefix: str, count: int) -> float:
    started = time.monotonic()
    _send(brand, prefix, count)
    wait_until(lambda: _sent(brand, prefix) == count, what=f"{count} e-mails {prefix} sent", limit=60)
    return time.monotonic() - started


def _attempts() -> dict[int, int]:
    return {int(k): int(v) for k, v in redis_client().hgetall(ATTEMPTS_KEY).items()}


def test_a_task_that_always_fails_is_parked_after_its_retries_and_the_others_keep_their_pace(
    transactional_db, brand, broker, workers, tmp_path
):
    client = redis_client()
    client.delete(ATTEMPTS_KEY, PARKED_KEY)
    # Each e-mail takes 50 ms at the mail server, so the measure is the queue's more than the machine's.
    prefixes = ("alone", "beside", "again")
    (tmp_path / "mailbox.txt.slow").write_text(
        "\n".join(f"{p}{i:03d}@example.test 0.05" for p in prefixes for i in range(EMAILS))
    )
    workers(concurrency="2")
    assert _seconds_to_send(brand, "warm", 4) < 60  # the worker is up

    alone = _seconds_to_send(brand, "alone", EMAILS)
    for n in range(FAILING):
        app.send_task("tests.worker_tasks.always_fails_task", args=[n])
    beside = _seconds_to_send(brand, "beside", EMAILS)
    wait_until(lambda: len(parked_tasks()) == FAILING, what="the failing tasks parked", limit=30)
    again = _seconds_to_send(brand, "again", EMAILS)
    # The failing tasks retry while the e-mails go (their delays grow from about 1 s): the other tasks of
    # the queue keep at least 90 % of the throughput they have alone (measured before and after, on a
    # machine other work shares).
    assert EMAILS / beside >= 0.9 * EMAILS / ((alone + again) / 2), (alone, beside, again)

    # Each failing task: one attempt and three retries, then parked once; never tried again.
    assert _attempts() == {n: 1 + RETRIES for n in range(FAILING)}
    parked = parked_tasks()
    assert sorted(entry["args"] for entry in parked) == [[n] for n in range(FAILING)]
    assert {(entry["task"], entry["retries"]) for entry in parked} == {
        ("tests.worker_tasks.always_fails_task", RETRIES)
    }
    assert all(entry["error"].startswith("ConnectionError: the server of task") for entry in parked)
    time.sleep(1.5)
    assert _attempts() == {n: 1 + RETRIES for n in range(FAILING)}
    assert client.llen("celery") == 0 and client.hlen("unacked") == 0  # acknowledged, not handed back
    counts = received(tmp_path / "mailbox.txt")
    assert sum(counts.values()) == 4 + 3 * EMAILS and set(counts.values()) == {1}
    client.delete(ATTEMPTS_KEY, PARKED_KEY)
