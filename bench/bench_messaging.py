"""Benchmark: the send log. Recording e-mails in a business transaction, and delivering them through a
real Celery worker (prefork, 2 processes) with the dummy e-mail backend (the cost of the send log, not of
a mail server).

- record: N messages via `message_send`, one transaction, per-message time (the statement a sale adds);
- deliver: the worker drains them (claim under a row lock, render, send, mark sent): e-mails per second;
- relay: with every message due again and already sent, the relay enqueues them all and the worker finds
  each one sent: the cost of a duplicate delivery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jewelcrm_bench_<you> \\
        REDIS_URL=redis://127.0.0.1:6379/<db> .venv/bin/python bench/bench_messaging.py

BENCH_MESSAGES (default 1000). Targets: recording ≤ 1 ms a message; delivery ≥ 50 e-mails/s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.harness import cpu_calibration  # noqa: E402
from bench.report import write_section  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_MESSAGES", 1000))
RECORD_TARGET_MS = 1.0
DELIVERY_TARGET = 50.0


def main() -> None:
    import redis

    from jewelcrm.accounts.models import Brand
    from jewelcrm.celery import app
    from jewelcrm.messaging.models import Message, MessageStatus
    from jewelcrm.messaging.services import RELAY_AFTER, message_relay, message_send
    from jewelcrm.tenancy.context import brand_context

    if not settings.REDIS_URL:
        raise SystemExit("bench_messaging needs REDIS_URL")
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("celery", "unacked", "unacked_index")
    defaults = {"name": "Bench messaging", "code_prefix": "BMSG"}
    brand, _ = Brand.objects.get_or_create(slug="bench-messaging", defaults=defaults)
    with brand_context(brand):
        Message.objects.filter(brand=brand).delete()
    context = {
        "template": "sign_in",
        "context": {"brand_name": "Bench", "url": "https://x.test/l", "minutes": 10},
    }
    calibration = cpu_calibration()
    load = os.getloadavg()[0]
    began = time.perf_counter()
    with brand_context(brand):
        for i in range(MESSAGES):
            message_send(brand=brand, key=f"bench:{i}", kind="portal.sign_in", to=f"o{i}@example.test",
                         context=context, language="en")  # fmt: skip
        record_ms = (time.perf_counter() - began) * 1000 / MESSAGES
        began = time.perf_counter()
    # The commit runs the on-commit hand-overs to the broker (one publish per message).
    enqueue_ms = (time.perf_counter() - began) * 1000 / MESSAGES
    worker = subprocess.Popen(  # noqa: S603 - our own worker
        [sys.executable, "-m", "celery", "-A", "jewelcrm", "worker", "-P", "prefork", "-c", "2",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env={**os.environ}, start_new_session=True,
    )  # fmt: skip

    def sent() -> int:
        with brand_context(brand):
            return Message.objects.filter(status=MessageStatus.SENT).count()

    try:
        began = time.perf_counter()
        while sent() < MESSAGES:
            if time.perf_counter() - began > 600:
                raise SystemExit("the worker did not drain the messages in 10 minutes")
            time.sleep(0.2)
        deliver_seconds = time.perf_counter() - began
        with brand_context(brand):
            relayed = message_relay(brand=brand, now=timezone.now() + RELAY_AFTER, limit=MESSAGES)
        # Every message is already sent: the relay found none due.
        began = time.perf_counter()
        from jewelcrm.messaging.services import message_enqueue

        with brand_context(brand):
            ids = list(Message.objects.values_list("pk", flat=True))
        for message_id in ids:
            message_enqueue(brand_id=brand.pk, message_id=message_id)
        while client.llen("celery") or client.hlen("unacked"):
            time.sleep(0.2)
        duplicate_seconds = time.perf_counter() - began
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
    with brand_context(brand):
        attempts = sorted(set(Message.objects.values_list("attempts", flat=True)))
    rate = MESSAGES / deliver_seconds
    ok = lambda good: "✅" if good else "❌"  # noqa: E731
    body = f"""
{MESSAGES:,} sign-in e-mails of the owner portal recorded with `message_send` in one transaction, then
delivered by a real Celery worker (prefork, 2 processes, Redis broker) with Django's dummy e-mail backend:
what the send log costs, not the mail server. Then every message handed to the worker once more (as a
lost task would be by the relay): each finds its message sent and sends nothing.

| step | result | target | |
|---|---:|---:|---|
| record in the transaction (`INSERT … ON CONFLICT … RETURNING`, per message) | {record_ms:.2f} ms \
| ≤ {RECORD_TARGET_MS:.0f} ms | {ok(record_ms <= RECORD_TARGET_MS)} |
| commit: hand each to the broker (one publish per message) | {enqueue_ms:.2f} ms | | |
| deliver (claim under a row lock, render, send, mark sent) | {rate:.0f} e-mails/s \
({deliver_seconds:.1f} s) | ≥ {DELIVERY_TARGET:.0f}/s | {ok(rate >= DELIVERY_TARGET)} |
| the same {MESSAGES:,} deliveries again (found sent) | {MESSAGES / duplicate_seconds:.0f} tasks/s | | |
| relay with nothing due | {relayed} enqueued | 0 | {ok(relayed == 0)} |
| attempts per message after both rounds | {attempts} | [1] | {ok(attempts == [1])} |

Machine at the run: load average {load:.1f} on {os.cpu_count()} cores; a fixed Python loop took
{calibration:.0f} ms (72 ms on a quiet machine, see the registration benchmark): divide the times by about
{calibration / 72:.1f} for a quiet machine.
"""
    write_section("messaging", "Send log: recording and delivering e-mails", body)
    print(body)


if __name__ == "__main__":
    main()
