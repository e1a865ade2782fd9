"""The billing banner of the header on brand pages: a subscription needing attention, and the limit
notices (80%, 100%) of the current period. Nothing (and no query) when billing is off."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def billing_banner(request: HttpRequest) -> dict[str, Any]:
    brand = getattr(request, "brand", None)
    membership = getattr(request, "membership", None)
    if brand is None or membership is None or not membership.is_brand_staff:
        return {}
    from jewelcrm.billing.stripe_api import billing_enabled

    if not billing_enabled():
        return {}
    from jewelcrm.accounts.roles import ADMIN_ROLES
    from jewelcrm.billing.access import FULL
    from jewelcrm.billing.selectors import billing_state_get, notice_list_current

    state = billing_state_get(brand=brand)
    notices = notice_list_current(brand=brand, state=state) if membership.role in ADMIN_ROLES else []
    if state.access.level == FULL and not notices:
        return {}
    return {
        "billing_banner": {"state": state, "notices": notices, "can_manage": membership.role in ADMIN_ROLES}
    }
