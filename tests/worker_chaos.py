"""Kill points around a task in a test worker (imported by tests/worker_settings.py).

`<mailbox>.killtask` lines "message_id point", point `prerun` (the task received, before the claim) or
`postrun` (the message sent and committed, before the broker is acknowledged): the worker child kills
itself with SIGKILL there, once per line.

`<mailbox>.failbrand` lines "brand_id": while the file lists a brand, its segmentation run fails inside
the write-back, after its scores were written and before it is published (a chunk of the nightly job
failing half-way).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from celery.signals import task_postrun, task_prerun


def _maybe_kill(args: Any, point: str) -> None:
    mailbox = Path(os.environ["MAILBOX_FILE"])
    plan = Path(f"{mailbox}.killtask")
    if not args or len(args) < 2 or not plan.exists():
        return
    wanted = {tuple(line.split()) for line in plan.read_text().splitlines() if line.strip()}
    if (str(args[1]), point) not in wanted:
        return
    marker = Path(f"{mailbox}.killed.task.{args[1]}.{point}")
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


@task_prerun.connect
def _prerun(sender: Any = None, args: Any = None, **kwargs: Any) -> None:
    if getattr(sender, "name", "").endswith("deliver_message_task"):
        _maybe_kill(args, "prerun")


@task_postrun.connect
def _postrun(sender: Any = None, args: Any = None, **kwargs: Any) -> None:
    if getattr(sender, "name", "").endswith("deliver_message_task"):
        _maybe_kill(args, "postrun")


def _failing_publish(publish: Any) -> Any:
    def run_publish(*, brand: Any, **kwargs: Any) -> Any:
        plan = Path(f"{os.environ['MAILBOX_FILE']}.failbrand")
        if plan.exists() and str(brand.pk) in plan.read_text().split():
            raise RuntimeError(f"injected failure of brand {brand.pk}'s write-back")
        return publish(brand=brand, **kwargs)

    run_publish.injected = True  # type: ignore[attr-defined]
    return run_publish


@task_prerun.connect
def _segmentation_faults(sender: Any = None, **kwargs: Any) -> None:
    if not getattr(sender, "name", "").endswith("run_pipeline_task"):
        return
    from segmentation import services

    if not getattr(services.run_publish, "injected", False):
        services.run_publish = _failing_publish(services.run_publish)
