"""A file-based e-mail backend for tests that run a real worker in another process.

Every message delivered appends one line "<recipient> <Message-ID>" to the file MAILBOX_FILE, with one
write(2) in append mode, so concurrent processes never interleave lines. A test reads the file to count
what each recipient received.

Fault injection, read at each send from files beside the mailbox (so a test changes them while the
worker runs):
- `<mailbox>.down`: while it exists, every send raises SMTPServerDisconnected (a mail server down).
- `<mailbox>.refuse`: recipients listed there (one a line) get a permanent 550 refusal.
- `<mailbox>.kill`: "recipient point" lines, point being `open` (connection opened, nothing sent) or
  `send` (inside the send, before the message leaves): the worker process kills itself with SIGKILL there,
  once per line (a marker file remembers it).
- `<mailbox>.slow`: "recipient seconds" lines: the send sleeps that long first (a task longer than the
  broker's visibility timeout).
"""

from __future__ import annotations

import os
import signal
import smtplib
import time
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


def _path() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "MAILBOX_FILE", "") or os.environ["MAILBOX_FILE"])


def _lines(suffix: str) -> list[list[str]]:
    path = Path(str(_path()) + suffix)
    if not path.exists():
        return []
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def kill_once(recipient: str, point: str) -> None:
    if [recipient, point] not in _lines(".kill"):
        return
    marker = Path(f"{_path()}.killed.{recipient}.{point}")
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


class FileMailboxBackend(BaseEmailBackend):
    def open(self) -> bool:
        return True

    def send_messages(self, email_messages: Any) -> int:
        if Path(str(_path()) + ".down").exists():
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        refused = {line[0] for line in _lines(".refuse")}
        slow = {line[0]: float(line[1]) for line in _lines(".slow")}
        sent = 0
        for message in email_messages:
            for recipient in message.to:
                kill_once(recipient, "open")
                if recipient in refused:
                    raise smtplib.SMTPRecipientsRefused({recipient: (550, b"5.1.1 No such user")})
                if recipient in slow:
                    time.sleep(slow[recipient])
                kill_once(recipient, "send")
                line = f"{recipient} {message.extra_headers.get('Message-ID', '-')}\n".encode()
                fd = os.open(_path(), os.O_CREAT | os.O_APPEND | os.O_WRONLY)
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
            sent += 1
        return sent


def delivered(message: Any, message_id: str) -> bool:
    """The provider's answer to "did you receive this Message-ID?" (MESSAGING_DELIVERY_CHECK, ADR 0040):
    the mailbox file is the provider's own record, so the answer is exact."""
    path = _path()
    if not path.exists():
        return False
    return any(line.split()[1:2] == [message_id] for line in path.read_text().splitlines())


def received_distinct(path: Path) -> dict[str, int]:
    """How many distinct e-mails (Message-IDs) each recipient received: what a mailbox that collapses copies
    of one message shows."""
    seen: dict[str, set[str]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            recipient, message_id = line.split()[:2]
            seen.setdefault(recipient, set()).add(message_id)
    return {recipient: len(ids) for recipient, ids in seen.items()}


def received(path: Path) -> dict[str, int]:
    """How many e-mails each recipient received."""
    counts: dict[str, int] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            recipient = line.split()[0]
            counts[recipient] = counts.get(recipient, 0) + 1
    return counts
