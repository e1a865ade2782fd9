"""The request guard of billing (registered with jewelcrm.tenancy.views.REQUEST_GUARDS): a brand whose
subscription gives read-only access (jewelcrm/billing/access.py) may read and export everything, and
write nothing but its billing (so the owner can pay)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def subscription_write_guard(*, request: Any, brand: Any, membership: Any, view: Any) -> str | None:
    if request.method in SAFE_METHODS or type(view).__module__.startswith("jewelcrm.billing"):
        return None
    from jewelcrm.billing.selectors import billing_state_get
    from jewelcrm.billing.stripe_api import billing_enabled

    if not billing_enabled():
        return None
    state = billing_state_get(brand=brand)
    if state.access.may_write:
        return None
    return _(
        "%(brand)s's subscription is %(status)s: everything can still be read and exported, but nothing can "
        "be changed until the brand owner chooses a plan or pays on the Plan and billing page."
    ) % {"brand": brand.name, "status": state.status_label.lower()}
