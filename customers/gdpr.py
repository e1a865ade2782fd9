"""GDPR rights of a customer: export (access, portability), erasure, and the retention rule.

The rows about the person are those each app reports through its registered holder (customers.holders:
every app whose models point to Customer registers how to collect, erase and merge its own rows, in its
`customer_data.py`); customers never walks another app's tables. The person is the profile and every
profile earlier merged into it.

Erasure replaces every occurrence of the person's identifying values (names, e-mails, phones in several
formats, address, birth dates as text, names and e-mails of their relations) by "[erased]" in what the
holders hand over and in the brand's audit log; holders blank their free-text personal columns and delete
derived data (scores). Item, warranty and service history is kept under the pseudonym.

Consents are kept as anonymous facts: the ledger is the brand's proof that it had a lawful basis for
past messages (accountability, GDPR art. 7(1) and 5(2)), and the row holds no personal data once the
profile is pseudonymised and the IP address cleared. A withdrawal is appended for every channel still
granted, so the ledger's current status is "no consent".
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Cast
from django.utils import timezone

from customers.book_ranks import book_ranks_refresh_for
from customers.holders import Erasure, blank_value, holders
from customers.models import ConsentSource, Customer, Order, Relation
from customers.search_terms import search_terms_refresh
from customers.selectors import customer_caches_forget
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


# --- The rows the holders report --------------------------------------------------------------


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


def _related_rows(brand: Brand, customer_ids: list[int]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """(level 1, level 2) rows by model label, as every registered holder reports them."""
    level1: dict[str, list[Any]] = {}
    level2: dict[str, list[Any]] = {}
    for holder in holders():
        found = holder.collect(brand, customer_ids)
        for target, rows_by_label in ((level1, found.level1), (level2, found.level2)):
            for label, rows in rows_by_label.items():
                if rows:
                    target.setdefault(label, []).extend(rows)
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
    return _related_rows(customer.brand, _profile_ids(customer))


# --- Export -------------------------------------------------------------------------------------


def customer_export(*, brand: Brand, customer: Customer, actor: Any = None) -> dict[str, Any]:
    """Everything the brand holds about the person, JSON-serialisable. The export is audited."""
    from jewelcrm.accounts.services import audit_log_record

    if customer.brand_id != brand.pk:
        raise ValueError("customer of another brand")
    ids = _profile_ids(customer)
    level1, level2 = _related_rows(brand, ids)
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


@transaction.atomic
def customer_erase(*, brand: Brand, customer: Customer, actor: Any = None, reason: str = "request") -> None:
    """Pseudonymise the person (see the module docstring). Idempotent; audited without personal values."""
    from jewelcrm.accounts.services import audit_log_record

    if customer.brand_id != brand.pk:
        raise ValueError("customer of another brand")
    ids = _profile_ids(customer)
    profiles = list(Customer.objects.select_for_update().filter(brand=brand, pk__in=ids))
    relations = list(Relation.objects.filter(brand=brand, customer_id__in=ids))
    orders = list(Order.objects.filter(brand=brand, customer_id__in=ids))
    needles = identifying_values(profiles, relations, orders)  # read before anything is blanked
    erasure = Erasure(
        brand=brand, customer=customer, profile_ids=ids, needles=needles, scrub=_scrubber(needles)
    )
    for holder in holders():
        holder.erase(erasure)
    changed = erasure.changed
    scrub = erasure.scrub

    for profile in profiles:
        for field_name in ERASED_PROFILE_FIELDS:
            setattr(profile, field_name, blank_value(Customer._meta.get_field(field_name)))  # type: ignore[arg-type]
        profile.first_name = ERASED_NAME
        profile.last_name = f"#{profile.pk}"
        profile.is_pseudonymised = True
        profile.save()

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

    search_terms_refresh(brand_id=brand.pk, customer_ids=ids)
    book_ranks_refresh_for(brand=brand, customer_ids=ids)  # an erased profile is in no book
    # Outside the database: stored import files holding the person, and cached lists built from profiles.
    from jewelcrm.imports.erasure import import_files_erase

    files = import_files_erase(brand=brand, values=needles)
    if files:
        changed["imports.ImportJob.file"] = files
    customer_caches_forget(brand=brand)
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
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=round(months * 30.44)), time.min))
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
