"""Customer profiles: create, find or create (the sale's path), update, mark contacted."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.book_ranks import book_ranks_refresh_for
from customers.models import Customer
from customers.search_terms import SEARCHED_FIELDS, search_terms_refresh
from jewelcrm.accounts.models import Brand


def customer_create(
    *,
    brand: Brand,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    language: str = "",
    country: str = "",
    source: str = "store",
    **fields: Any,
) -> Customer:
    """A new profile. `email` and `phone` must already be normalised (customers.normalise)."""
    if not (email or phone):
        raise ValidationError(_("Give an e-mail address or a phone number."))
    customer_since = fields.pop("customer_since", None) or timezone.localdate()
    customer = Customer(
        brand=brand,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        language=language,
        country=country,
        customer_since=customer_since,
        **fields,
    )
    customer.field_sources = {
        name: source
        for name in ("first_name", "last_name", "email", "phone", "language", "country", *fields)
        if getattr(customer, name, None)
    }
    customer.full_clean(exclude=["brand", "home_store", "assigned_associate", "merged_into"])
    customer.save()
    search_terms_refresh(brand_id=brand.pk, customer_ids=[customer.pk], created=True)
    book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk], created=True)
    return customer


def customer_find_or_create(
    *,
    brand: Brand,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    source: str = "store",
    **fields: Any,
) -> tuple[Customer, bool]:
    """The brand's live profile with this e-mail or phone, else a new one, which needs a first and a last
    name. Returns (customer, created). `email` and `phone` must already be normalised."""
    from customers.selectors import customer_find

    found = customer_find(brand=brand, email=email, phone=phone)
    if found is not None:
        return found, False
    if not (first_name.strip() and last_name.strip()):
        raise ValidationError(
            {"first_name": [_("New customer: give the first and last name.")]}, code="customer_name_required"
        )
    customer = customer_create(
        brand=brand,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        source=source,
        **fields,
    )
    return customer, True


# --- Profile ------------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "gender",
    "family_situation",
    "wedding_anniversary",
    "address",
    "city",
    "postal_code",
    "country",
    "language",
    "preferred_channel",
    "tags",
    "notes",
    "home_store",
    "assigned_associate",
    "customer_since",
    "external_id",
)


def _clean_tags(tags: Any) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: dict[str, None] = {}
    for tag in tags or []:
        value = str(tag).strip()
        if value:
            seen.setdefault(value[:40], None)
    return list(seen)


@transaction.atomic
def customer_update(
    *,
    brand: Brand,
    customer: Customer,
    data: dict[str, Any],
    actor: Any = None,
    source: str = "staff",
) -> list[str]:
    """Change profile fields (e-mail and phone already normalised), remember where each value came from
    and audit which fields changed (names of fields only: the audit log keeps no personal values).
    Returns the names of the changed fields."""
    if customer.brand_id != brand.pk:
        raise ValidationError(_("Unknown customer."))
    changed = []
    for name, value in data.items():
        if name not in PROFILE_FIELDS:
            raise ValidationError(_("Unknown field %(name)s."), params={"name": name})
        if name == "tags":
            value = _clean_tags(value)
        if name in ("home_store", "assigned_associate"):
            if (getattr(customer, f"{name}_id")) != (getattr(value, "pk", None)):
                setattr(customer, name, value)
                changed.append(name)
            continue
        if value is None and name not in ("birth_date", "wedding_anniversary", "customer_since"):
            value = ""
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    if not changed:
        return []
    if not (customer.email or customer.phone or customer.is_pseudonymised):
        raise ValidationError(_("Give an e-mail address or a phone number."))
    sources = dict(customer.field_sources or {})
    for name in changed:
        sources[name] = source
    customer.field_sources = sources
    customer.full_clean(exclude=["brand", "home_store", "assigned_associate", "merged_into"])
    customer.save()
    if SEARCHED_FIELDS.intersection(changed):
        search_terms_refresh(brand_id=brand.pk, customer_ids=[customer.pk])
    book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk])
    from jewelcrm.accounts.services import audit_log_record

    audit_log_record(
        brand=brand, action="customer.update", actor=actor, obj=customer, data={"fields": sorted(changed)}
    )
    return changed


@transaction.atomic
def customer_mark_contacted(
    *, brand: Brand, customer: Customer, on: Any = None, actor: Any = None
) -> Customer:
    """The associate reached the customer (client book): resets the 'no contact' suggestion."""
    customer.last_contacted_on = on or timezone.localdate()
    customer.save(update_fields=["last_contacted_on", "updated_at"])
    book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk])
    return customer


# --- Relations (gift recipients) ----------------------------------------------------------------
