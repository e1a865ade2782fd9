"""The portal session: which customer is signed in, per brand, separate from the staff login."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

SESSION_KEY = "portal_customers"


def sign_in(request: HttpRequest, *, brand: Any, customer: Any) -> None:
    # A new session key at every sign-in (no session fixation); the staff login, if any, is kept.
    request.session.cycle_key()
    owners = dict(request.session.get(SESSION_KEY, {}))
    owners[str(brand.pk)] = customer.pk
    request.session[SESSION_KEY] = owners


def sign_out(request: HttpRequest, *, brand: Any) -> None:
    owners = dict(request.session.get(SESSION_KEY, {}))
    owners.pop(str(brand.pk), None)
    request.session[SESSION_KEY] = owners


def customer_for(request: HttpRequest, *, brand: Any) -> Any:
    """The signed-in customer of this brand's portal, or None. Call inside brand_context(brand)."""
    from customers.selectors import customer_get

    customer_id = request.session.get(SESSION_KEY, {}).get(str(brand.pk))
    if not customer_id:
        return None
    customer = customer_get(brand=brand, customer_id=int(customer_id))
    if customer is None or customer.is_pseudonymised:
        sign_out(request, brand=brand)
        return None
    return customer
