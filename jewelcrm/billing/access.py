"""What a brand may do, by the status of its subscription. The one table of it is `ACCESS`.

| status | access | why |
|---|---|---|
| trialing | full | the 30-day trial, local before a plan is chosen, then Stripe's |
| active | full | paid |
| past_due | full + banner for BILLING_PAST_DUE_GRACE_DAYS, then read-only | Stripe retries; owner e-mailed |
| incomplete | full with a banner | the first payment is being confirmed (Stripe allows 23 hours) |
| unpaid | read-only | retries exhausted: the data stays the brand's (read, export), nothing grows |
| canceled | read-only | as unpaid; choosing a plan again restores everything |
| incomplete_expired | read-only | the first payment never succeeded: choose a plan again |
| paused | read-only | the trial ended without a plan (Stripe's and the local trial alike) |

Read-only: every page and export opens; any write (POST, PUT, PATCH, DELETE) on the brand's pages and
API answers 403 with an explanation, except the billing pages, so the owner can pay. With billing off
(no STRIPE_SECRET_KEY) every brand has full access.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from jewelcrm.billing.models import SubscriptionStatus as S

FULL = "full"
WARNING = "warning"  # full, with a banner
READ_ONLY = "read_only"

ACCESS: dict[str, str] = {
    S.TRIALING: FULL,
    S.ACTIVE: FULL,
    S.PAST_DUE: WARNING,
    S.INCOMPLETE: WARNING,
    S.UNPAID: READ_ONLY,
    S.CANCELED: READ_ONLY,
    S.INCOMPLETE_EXPIRED: READ_ONLY,
    S.PAUSED: READ_ONLY,
}


@dataclass(frozen=True)
class Access:
    level: str
    status: str

    @property
    def may_write(self) -> bool:
        return self.level != READ_ONLY


def access_for(*, status: str, past_due_since: datetime | None, now: datetime) -> Access:
    level = ACCESS.get(status, READ_ONLY)
    if status == S.PAST_DUE and past_due_since is not None:
        if now - past_due_since > timedelta(days=settings.BILLING_PAST_DUE_GRACE_DAYS):
            level = READ_ONLY
    return Access(level=level, status=status)
