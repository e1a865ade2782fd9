"""GDPR rights of a customer: export (access, portability), erasure, and the retention rule (contract C4).

Both work generically over every model holding a foreign key to customers.Customer, found through
Customer._meta (hidden relations included), so other apps are never imported here:
- level 1: rows pointing to the person (items, registrations, orders, consents, relations, portal data,
  and the profiles earlier merged into this one);
- level 2: rows pointing to those rows (order lines, item events, interventions...), unless the model
  points to customers itself (then it is level 1 of whoever it belongs to).

A model holding free-text personal data declares `personal_fields = ("field", ...)`; erasure blanks
those columns on its level-1 rows; one declaring `gdpr_erase_deletes = True` (derived data such as
scores) has its level-1 rows deleted. Beyond that, erasure replaces every occurrence of the person's
identifying values (names, e-mails, phones in several formats, address, birth dates as text, names and
e-mails of their relations) in the text and JSON columns of level-1 and level-2 rows and of the brand's
audit log by "[erased]". Item, warranty and service history is kept under the pseudonym.

Consents are kept as anonymous facts: the ledger is the brand's proof that it had a lawful basis for
past messages (accountability, GDPR art. 7(1) and 5(2)), and the row holds no personal data once the
profile is pseudonymised and the IP address cleared. A withdrawal is appended for every channel still
granted, so the ledger's current status is "no consent".
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Cast
from django.utils import timezone

from customers.models import Consent, ConsentSource, Customer, Order
from customers.search_terms import search_terms_refresh
from jewelcrm.accounts.models import AuditLog, Brand

ERASED = "[erased]"
ERASED_NAME = "Erased customer"
# Erasure clears these profile fields (country, language and home store stay for statistics).
ERASED_PROFILE_FIELDS = (
    "external_id",
    "title",
    "email",
    "phone",
    "birth_date",
    "gender",
    "family_situation",
    "wedding_anniversary",
    "address",
    "city",
    "postal_code",
    "preferred_channel",
    "tags",
    "notes",
    "field_sources",
    "email_confirmed_at",
    "last_contacted_on",
)


# --- Generic walking of the rows related to a customer ------------------------------------------


def _reverse_relations(model: type[models.Model]) -> list[Any]:
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.one_to_many or rel.one_to_one)
        # The search terms are an index of the profile, rewritten by erasure, not a record of the person.
        and not getattr(rel.related_model, "is_derived_index", False)
    ]


def _points_to_customer(model: type[models.Model]) -> bool:
    return any(
        isinstance(f, models.ForeignKey) and f.related_model is Customer for f in model._meta.concrete_fields
    )


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _profile_ids(customer: Customer) -> list[int]:
    """The customer and every profile merged into it, directly or through a chain of merges."""
    ids = [customer.pk]
    frontier = [customer.pk]
    while frontier:
        frontier = list(
            Customer.unscoped.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def _related_rows(customer_ids: list[int]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """(level 1, level 2) rows by model label. Customer tombstones merged into the person are level 1."""
    level1: dict[str, list[Any]] = {}
    level2: dict[str, list[Any]] = {}
    seen: set[tuple[str, int]] = set()
    for rel in _reverse_relations(Customer):
        model, fk = rel.related_model, rel.field.name
        rows = model._base_manager.filter(**{f"{fk}__in": customer_ids})
        if model is Customer:
            rows = rows.exclude(pk__in=[customer_ids[0]])
        for row in rows.order_by("pk"):
            key = (_label(model), row.pk)
            if key not in seen:
                seen.add(key)
                level1.setdefault(_label(model), []).append(row)
    for rows in list(level1.values()):
        model = type(rows[0])
        if model is Customer:
            continue
        for rel in _reverse_relations(model):
            child = rel.related_model
            if _points_to_customer(child) or child is AuditLog:
                continue
            for row in child._base_manager.filter(**{f"{rel.field.name}__in": [r.pk for r in rows]}).order_by(
                "pk"
            ):
                key = (_label(child), row.pk)
                if key not in seen:
                    seen.add(key)
                    level2.setdefault(_label(child), []).append(row)
    return level1, level2


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)  # e.g. a Country, an IP address object


def _serialise(row: models.Model) -> dict[str, Any]:
    data = {"id": row.pk}
    for f in row._meta.concrete_fields:
        data[f.attname] = getattr(row, f.attname)
    return json.loads(json.dumps(data, cls=_Encoder))


def related_rows(customer: Customer) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The rows the brand holds about the person and their merged profiles: (level 1, level 2) by model."""
    return _related_rows(_profile_ids(customer))


# --- Export -------------------------------------------------------------------------------------


def customer_export(*, brand: Brand, customer: Customer, actor: Any = None) -> dict[str, Any]:
    """Everything the brand holds about the person, JSON-serialisable. The export is audited."""
    from jewelcrm.accounts.services import audit_log_record

    if customer.brand_id != brand.pk:
        raise ValueError("customer of another brand")
    ids = _profile_ids(customer)
    level1, level2 = _related_rows(ids)
    export = {
        "format": "jewelcrm.customer-export/1",
        "brand": brand.name,
        "exported_at": timezone.now().isoformat(),
        "customer": _serialise(customer),
        "related": {label: [_serialise(r) for r in rows] for label, rows in sorted(level1.items())},
        "related_details": {label: [_serialise(r) for r in rows] for label, rows in sorted(level2.items())},
    }
    audit_log_record(
        brand=brand,
        action="customer.gdpr_export",
        actor=actor,
        obj=customer,
        data={"customer_id": customer.pk},
    )
    return export


# --- Erasure ------------------------------------------------------------------------------------


def _date_texts(value: date | None) -> list[str]:
    if not value:
        return []
    return [
        value.isoformat(),
        value.strftime("%d/%m/%Y"),
        value.strftime("%d.%m.%Y"),
        value.strftime("%d-%m-%Y"),
        value.strftime("%m/%d/%Y"),
        f"{value.day}/{value.month}/{value.year}",
        value.strftime("%d/%m/%y"),
    ]


def _phone_texts(phone: str) -> list[str]:
    if not phone:
        return []
    texts = [phone]
    try:
        number = phonenumbers.parse(phone, None)
        for fmt in (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL):
            formatted = phonenumbers.format_number(number, fmt)
            texts += [formatted, formatted.replace(" ", ""), formatted.replace(" ", ".")]
    except phonenumbers.NumberParseException:
        pass
    return texts


def identifying_values(profiles: list[Customer], relations: list[Any], orders: list[Any]) -> list[str]:
    """The texts that identify the person, longest first."""
    values: set[str] = set()
    for c in profiles:
        if not c.is_pseudonymised:  # an erased profile's names are the pseudonym
            values.update(v for v in (c.first_name, c.last_name, c.full_name) if v)
        values.update(v for v in (c.email, c.address) if v)
        values.update(_phone_texts(c.phone))
        values.update(_date_texts(c.birth_date))
    for r in relations:
        values.update(v for v in (getattr(r, "name", ""), getattr(r, "email", "")) if v)
        values.update(_date_texts(getattr(r, "birth_date", None)))
    for o in orders:
        if getattr(o, "email", ""):
            values.add(o.email)
    return sorted({v.strip() for v in values if len(v.strip()) >= 2}, key=lambda v: (-len(v), v))


def _scrubber(values: list[str]) -> Any:
    if not values:
        return lambda text: text
    pattern = re.compile(
        r"(?<![\w])(?:" + "|".join(re.escape(v) for v in values) + r")(?![\w])", re.IGNORECASE
    )

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(ERASED, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {scrub(k) if isinstance(k, str) else k: scrub(v) for k, v in value.items()}
        return value

    return scrub


def _blank(field: models.Field) -> Any:
    if isinstance(field, models.JSONField):
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    if isinstance(field, models.BooleanField):
        return False
    return field.get_default()


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.primary_key
    ]


def _scrub_row(row: models.Model, scrub: Any, *, blank_personal: bool) -> bool:
    changes: dict[str, Any] = {}
    personal = set(getattr(type(row), "personal_fields", ())) if blank_personal else set()
    for f in row._meta.concrete_fields:
        if f.name in personal:
            blank = _blank(f)
            if getattr(row, f.attname) != blank:
                changes[f.attname] = blank
    for f in _text_fields(type(row)):
        if f.attname in changes:
            continue
        value = getattr(row, f.attname)
        scrubbed = scrub(value)
        if scrubbed != value:
            if isinstance(scrubbed, str) and f.max_length:
                scrubbed = scrubbed[: f.max_length]
            changes[f.attname] = scrubbed
    if changes:
        type(row)._base_manager.filter(pk=row.pk).update(**changes)
    return bool(changes)


@transaction.atomic
def customer_erase(*, brand: Brand, customer: Customer, actor: Any = None, reason: str = "request") -> None:
    """Pseudonymise the person (see the module docstring). Idempotent; audited without personal values."""
    from jewelcrm.accounts.services import audit_log_record

    if customer.brand_id != brand.pk:
        raise ValueError("customer of another brand")
    ids = _profile_ids(customer)
    profiles = list(Customer.objects.select_for_update().filter(brand=brand, pk__in=ids))
    level1, level2 = _related_rows(ids)
    relations = level1.get("customers.Relation", [])
    orders = level1.get(_label(Order), [])
    needles = identifying_values(profiles, relations, orders)  # read before anything is blanked
    scrub = _scrubber(needles)

    changed: dict[str, int] = {}
    for label, rows in level1.items():
        if label == _label(Customer):
            continue
        if rows and getattr(type(rows[0]), "gdpr_erase_deletes", False):
            # Derived data about the person (scores, segment memberships) goes entirely.
            type(rows[0])._base_manager.filter(pk__in=[row.pk for row in rows]).delete()
            changed[label] = changed.get(label, 0) + len(rows)
            continue
        for row in rows:
            if _scrub_row(row, scrub, blank_personal=True):
                changed[label] = changed.get(label, 0) + 1
    for label, rows in level2.items():
        for row in rows:
            if _scrub_row(row, scrub, blank_personal=True):
                changed[label] = changed.get(label, 0) + 1

    Consent.objects.filter(brand=brand, customer_id__in=ids).exclude(ip=None).update(ip=None)
    for profile in profiles:
        for field_name in ERASED_PROFILE_FIELDS:
            setattr(profile, field_name, _blank(Customer._meta.get_field(field_name)))
        profile.first_name = ERASED_NAME
        profile.last_name = f"#{profile.pk}"
        profile.is_pseudonymised = True
        profile.save()
    search_terms_refresh(brand_id=brand.pk, customer_ids=ids)

    # Withdraw whatever is still granted, so the ledger's current status is "no consent".
    from customers.selectors import consent_status_table
    from customers.services import consent_record

    for row in consent_status_table(brand=brand, customer=customer):
        if row["entry"].is_granted:
            consent_record(
                brand=brand,
                customer=customer,
                channel=row["channel"],
                purpose=row["purpose"],
                is_granted=False,
                source=ConsentSource.STAFF,
                wording_version="gdpr-erasure",
            )

    # The audit log keeps what happened, never who it was.
    about = Q(object_type="Customer", object_id__in=[str(i) for i in ids])
    text_match = Q()
    for value in needles:
        if len(value) >= 4:
            text_match |= Q(data_text__icontains=value)
    audit_rows = AuditLog.objects.filter(brand=brand).annotate(data_text=Cast("data", models.TextField()))
    audit_rows = audit_rows.filter(about | text_match) if text_match else audit_rows.filter(about)
    for row in audit_rows:
        scrubbed = scrub(row.data)
        if scrubbed != row.data:
            AuditLog.unscoped.filter(pk=row.pk).update(data=scrubbed)
            changed["accounts.AuditLog"] = changed.get("accounts.AuditLog", 0) + 1

    # The send log keeps that e-mails were sent, not to whom.
    from jewelcrm.messaging.services import message_erase_recipient

    for value in needles:
        if "@" in value:
            changed["messaging.Message"] = changed.get("messaging.Message", 0) + message_erase_recipient(
                brand=brand, email=value
            )

    audit_log_record(
        brand=brand,
        action="customer.gdpr_erase",
        actor=actor,
        obj=customer,
        data={"customer_id": customer.pk, "profiles": sorted(ids), "rows_changed": changed, "reason": reason},
    )


# --- Retention ----------------------------------------------------------------------------------


def retention_months(*, brand: Brand) -> int:
    """Months without activity after which a customer is erased: CUSTOMER_RETENTION_MONTHS_BY_BRAND[slug],
    else CUSTOMER_RETENTION_MONTHS (default 36, the CNIL guideline for marketing data); 0 disables it."""
    per_brand = getattr(settings, "CUSTOMER_RETENTION_MONTHS_BY_BRAND", {}) or {}
    if brand.slug in per_brand:
        return int(per_brand[brand.slug] or 0)
    return int(getattr(settings, "CUSTOMER_RETENTION_MONTHS", 36) or 0)


def retention_candidates(*, brand: Brand, months: int | None = None, today: date | None = None) -> Any:
    """Live profiles with no activity (profile change, order, consent entry, contact) for `months`."""
    months = retention_months(brand=brand) if months is None else months
    if months <= 0:
        return Customer.objects.none()
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(
        timezone.datetime.combine(today - timedelta(days=round(months * 30.44)), timezone.datetime.min.time())
    )
    return (
        Customer.objects.filter(brand=brand, merged_into__isnull=True, is_pseudonymised=False)
        .annotate(last_order=Max("orders__ordered_at"), last_consent=Max("consents__at"))
        .filter(created_at__lt=cutoff, updated_at__lt=cutoff)
        .filter(Q(last_order__isnull=True) | Q(last_order__lt=cutoff))
        .filter(Q(last_consent__isnull=True) | Q(last_consent__lt=cutoff))
        .filter(Q(last_contacted_on__isnull=True) | Q(last_contacted_on__lt=cutoff.date()))
    )


def retention_apply(
    *, brand: Brand, months: int | None = None, dry_run: bool = False, limit: int = 5000
) -> list[int]:
    """Erase the inactive profiles (at most `limit` per run); returns their ids.
    Audited per person and per run."""
    from jewelcrm.accounts.services import audit_log_record

    months = retention_months(brand=brand) if months is None else months
    ids = list(
        retention_candidates(brand=brand, months=months).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    if dry_run:
        return ids
    for customer in Customer.objects.filter(brand=brand, pk__in=ids):
        customer_erase(brand=brand, customer=customer, reason="retention")
    audit_log_record(
        brand=brand, action="customer.retention_run", data={"months": months, "erased": len(ids)}
    )
    return ids
