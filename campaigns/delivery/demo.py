"""Demo: a few suppressed addresses (a hard bounce, a spam complaint, an unsubscribe, one added by hand),
so the dashboard's list is not empty on the first start. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

REASONS = [
    ("bounce", "Mailgun webhook"),
    ("complaint", "Mailgun webhook"),
    ("unsubscribe", "unsubscribe link"),
    ("manual", "demo"),
]


def seed(ctx: Any) -> None:
    from campaigns.delivery.services import suppression_add
    from customers.selectors import customer_list

    logins = {email.lower() for _role, email, _password in ctx.logins}
    recent = customer_list(brand=ctx.brand).exclude(email="").order_by("-pk").values_list("email", flat=True)
    emails = [email for email in dict.fromkeys(e.lower() for e in recent[:40]) if email not in logins]
    emails = emails[: len(REASONS)]
    now = timezone.now()
    for days, (email, (reason, source)) in enumerate(zip(emails, REASONS, strict=False), start=1):
        suppression_add(
            brand=ctx.brand, email=email, reason=reason, source=source, at=now - timedelta(days=9 * days)
        )
