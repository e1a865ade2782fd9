"""Writes of the retail network: retailers and their stores."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from jewelcrm.accounts.models import Brand
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.currencies import currency_is_valid
from jewelcrm.retail.markets import market_invalid_tokens
from jewelcrm.retail.models import Retailer, Store, StoreType

STORE_FIELDS = (
    "retailer",
    "code",
    "name",
    "type",
    "address",
    "city",
    "postal_code",
    "country",
    "currency",
    "time_zone",
    "market",
    "is_active",
)


def _store_validate(*, brand: Brand, store: Store) -> None:
    errors: dict[str, list[str]] = {}
    store.code = (store.code or "").strip().upper()
    store.currency = (store.currency or "").strip().upper()
    store.market = ",".join(
        t for t in (store.market or "").upper().replace(";", ",").replace(" ", ",").split(",") if t
    )
    if not store.code:
        errors.setdefault("code", []).append(_("Give the store a code."))
    elif Store.objects.filter(brand=brand, code__iexact=store.code).exclude(pk=store.pk).exists():
        errors.setdefault("code", []).append(
            _("Another store of this brand already uses the code %(code)s.") % {"code": store.code}
        )
    if not (store.name or "").strip():
        errors.setdefault("name", []).append(_("Give the store a name."))
    if store.type not in StoreType.values:
        errors.setdefault("type", []).append(_("Choose a store type."))
    if str(store.country or "").upper() not in dict(countries):
        errors.setdefault("country", []).append(_("Choose a country."))
    if not currency_is_valid(store.currency):
        errors.setdefault("currency", []).append(
            _("%(code)s is not an ISO 4217 currency code (e.g. EUR, CHF, USD).")
            % {"code": store.currency or "—"}
        )
    if store.time_zone not in available_timezones():
        errors.setdefault("time_zone", []).append(
            _("%(tz)s is not a known time zone (e.g. Europe/Paris).") % {"tz": store.time_zone or "—"}
        )
    invalid = market_invalid_tokens(store.market)
    if invalid:
        errors.setdefault("market", []).append(
            _("Unknown market %(codes)s: use country codes (FR, CH) or EU.") % {"codes": ", ".join(invalid)}
        )
    if store.retailer_id is None:
        errors.setdefault("retailer", []).append(_("Choose a retailer."))
    elif store.retailer.brand_id != brand.pk:
        errors.setdefault("retailer", []).append(_("Choose a retailer."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def retailer_create(*, brand: Brand, name: str, is_own: bool = False, actor: Any = None) -> Retailer:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the retailer a name.")]})
    if Retailer.objects.filter(brand=brand, name__iexact=name).exists():
        raise ValidationError({"name": [_("A retailer of this brand already has this name.")]})
    retailer = Retailer.objects.create(brand=brand, name=name, is_own=is_own)
    audit_log_record(brand=brand, action="retailer.create", actor=actor, obj=retailer, data={"name": name})
    return retailer


@transaction.atomic
def store_create(
    *,
    brand: Brand,
    retailer: Retailer,
    code: str,
    name: str,
    type: str,
    country: str,
    currency: str,
    time_zone: str = "UTC",
    market: str = "",
    address: str = "",
    city: str = "",
    postal_code: str = "",
    is_active: bool = True,
    actor: Any = None,
) -> Store:
    """A new store of the brand. Raises ValidationError with field errors (unique code, ISO currency...)."""
    store = Store(
        brand=brand,
        retailer=retailer,
        code=code,
        name=(name or "").strip(),
        type=type,
        country=country,
        currency=currency,
        time_zone=(time_zone or "").strip(),
        market=market,
        address=address,
        city=city,
        postal_code=postal_code,
        is_active=is_active,
    )
    _store_validate(brand=brand, store=store)
    store.save()
    audit_log_record(brand=brand, action="store.create", actor=actor, obj=store, data={"code": store.code})
    return store


@transaction.atomic
def store_update(*, brand: Brand, store: Store, actor: Any = None, **fields: Any) -> Store:
    """Change a store's fields (any of STORE_FIELDS)."""
    unknown = set(fields) - set(STORE_FIELDS)
    if unknown:
        raise TypeError(f"store_update got unknown fields {sorted(unknown)}")
    if store.brand_id != brand.pk:
        raise ValidationError(_("Unknown store."))
    before = {name: str(getattr(store, name)) for name in fields}
    for name, value in fields.items():
        setattr(store, name, value)
    _store_validate(brand=brand, store=store)
    store.save()
    changed = {
        name: str(getattr(store, name)) for name in fields if before[name] != str(getattr(store, name))
    }
    if changed:
        audit_log_record(brand=brand, action="store.update", actor=actor, obj=store, data=changed)
    return store
