"""Reads of campaign delivery (the brand in context): the suppression list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from campaigns.delivery.models import Suppression


def email_key(email: str | None) -> str:
    """The form an address is suppressed under: trimmed, lower-case."""
    return (email or "").strip().lower()


def suppressed_emails(*, brand: Any, emails: Iterable[str]) -> set[str]:
    """Which of `emails` the brand must not send marketing to, in one query (normalised forms returned)."""
    wanted = {key for key in (email_key(e) for e in emails) if key}
    if not wanted:
        return set()
    return set(Suppression.objects.filter(brand=brand, email__in=wanted).values_list("email", flat=True))


def is_suppressed(*, brand: Any, email: str) -> bool:
    return bool(suppressed_emails(brand=brand, emails=[email]))
