"""The GDPR page as a data-protection officer reads it: the person's data in sections (identity, contact,
consents with their history, relations, pieces, warranties, orders, interventions, messages and anything
else the brand holds), each value with its label in the reader's language. The JSON download beside it
(customers.gdpr.customer_export) stays the complete machine-readable copy.

Known models get chosen columns with translated headings; any other rows an app's holder reports
(customers.holders) get a section of their own from their verbose names, so nothing is hidden.
Technical columns (ids, the brand, hashes, keys) are left to the JSON.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from jewelcrm import labels

# (field, heading, vocabulary of jewelcrm.labels or None)
IDENTITY = [
    ("title", _("Title"), None),
    ("first_name", _("First name"), None),
    ("last_name", _("Last name"), None),
    ("birth_date", _("Birth date"), None),
    ("gender", _("Gender"), "gender"),
    ("family_situation", _("Family situation"), "family_situation"),
    ("wedding_anniversary", _("Wedding anniversary"), None),
    ("language", _("Language"), "language"),
    ("customer_since", _("Customer since"), None),
    ("external_id", _("External id"), None),
]
CONTACT = [
    ("email", _("E-mail"), None),
    ("email_confirmed_at", _("E-mail confirmed on"), None),
    ("phone", _("Phone"), None),
    ("address", _("Address"), None),
    ("postal_code", _("Postal code"), None),
    ("city", _("City"), None),
    ("country", _("Country"), None),
    ("preferred_channel", _("Preferred channel"), None),
    ("home_store", _("Home store"), None),
    ("assigned_associate", _("Assigned associate"), None),
    ("last_contacted_on", _("Last contacted on"), None),
    ("tags", _("Tags"), None),
    ("notes", _("Notes"), None),
]

RELATED = {
    "customers.Consent": (
        _("Consents and their history"),
        [
            ("at", _("When"), None),
            ("channel", _("Channel"), None),
            ("purpose", _("Purpose"), "consent_purpose"),
            ("is_granted", _("Granted"), None),
            ("is_confirmed", _("Confirmed"), None),
            ("source", _("Source"), None),
            ("wording_version", _("Wording"), None),
            ("store", _("Store"), None),
            ("ip", _("IP address"), None),
        ],
    ),
    "customers.Relation": (
        _("Relations"),
        [
            ("name", _("Name"), None),
            ("kind", _("Relation"), None),
            ("birth_date", _("Birthday"), None),
            ("anniversary", _("Anniversary"), None),
            ("email", _("E-mail"), None),
        ],
    ),
    "inventory.Item": (
        _("Pieces"),
        [("serial", _("Serial"), None), ("product", _("Product"), None), ("status", _("Status"), None)],
    ),
    "warranties.Registration": (
        _("Warranties"),
        [
            ("sold_on", _("Date of sale"), None),
            ("item", _("Piece"), None),
            ("store", _("Store"), None),
            ("price_paid", _("Price paid"), None),
            ("warranty_ends_on", _("Warranty until"), None),
            ("is_gift", _("Gift"), None),
            ("gift_recipient_name", _("Recipient"), None),
            ("is_current", _("Current owner"), None),
        ],
    ),
    "customers.Order": (
        _("Orders"),
        [
            ("ordered_at", _("Date"), None),
            ("source", _("Source"), None),
            ("external_id", _("Order"), None),
            ("store", _("Store"), None),
            ("channel", _("Channel"), "order_channel"),
            ("total", _("Amount"), None),
            ("status", _("Status"), None),
        ],
    ),
    "customers.OrderLine": (
        _("Order lines"),
        [
            ("order", _("Order"), None),
            ("name", _("Product"), None),
            ("serial", _("Serial"), None),
            ("quantity", _("Quantity"), None),
            ("total", _("Amount"), None),
        ],
    ),
    "warranties.Intervention": (
        _("Interventions"),
        [
            ("received_on", _("Received"), None),
            ("item", _("Piece"), None),
            ("kind", _("Type"), None),
            ("store", _("Store"), None),
            ("status", _("Status"), None),
            ("description", _("Description"), None),
        ],
    ),
    "warranties.WarrantyClaim": (
        _("Warranty claims"),
        [
            ("submitted_at", _("Submitted"), None),
            ("intervention", _("Intervention"), None),
            ("store", _("Store"), None),
            ("status", _("Status"), None),
            ("approved_amount", _("Approved amount"), None),
        ],
    ),
    "warranties.ItemEvent": (
        _("History of the pieces"),
        [
            ("at", _("When"), None),
            ("item", _("Piece"), None),
            ("kind", _("Event"), "item_event"),
            ("store", _("Store"), None),
        ],
    ),
}
ORDER = list(RELATED)
TECHNICAL = {"id", "brand", "customer", "code_hash", "token_hash", "idempotency_key", "data", "merged_into"}
AMOUNT_CURRENCY = {
    "total": "currency",
    "price_paid": "currency",
    "refunded_amount": "currency",
    "approved_amount": "currency",
}


@dataclass
class Section:
    key: str
    title: Any
    headings: list[Any] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    pairs: list[tuple[Any, str]] = field(default_factory=list)


def _text(row: models.Model, name: str, vocabulary: str | None = None) -> str:
    """One value as a person reads it: a choice's label, a date in the reader's format, an amount with
    its currency, yes/no, a related object's name."""
    try:
        f = row._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a column of another version of the model
        return ""
    value = getattr(row, name, None)
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if vocabulary:
        return labels.label(vocabulary, value)
    if getattr(f, "choices", None):
        return str(getattr(row, f"get_{name}_display")())
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal) and name in AMOUNT_CURRENCY:
        amount = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
        return f"{amount} {getattr(row, AMOUNT_CURRENCY[name], '')}".strip()
    if name == "country" and hasattr(value, "name"):
        return str(value.name)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " · ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, models.Model):
        return str(getattr(value, "name", None) or value)
    return str(value)


def _generic_columns(model: type[models.Model]) -> list[tuple[str, Any, None]]:
    columns = []
    for f in model._meta.concrete_fields:
        if f.name in TECHNICAL or f.name.endswith("_hash") or isinstance(f, models.JSONField):
            continue
        if isinstance(f, models.ForeignKey) and f.related_model is Customer:
            continue
        heading = str(f.verbose_name)
        columns.append((f.name, heading[:1].upper() + heading[1:], None))
    return columns


def customer_sections(
    *, customer: Customer, level1: dict[str, list[Any]], level2: dict[str, list[Any]]
) -> list[Section]:
    """Identity and contact as summary lists, then one table per kind of record, known ones first."""
    sections = [
        Section("identity", _("Identity"), pairs=[(h, _text(customer, n, v)) for n, h, v in IDENTITY]),
        Section("contact", _("Contact"), pairs=[(h, _text(customer, n, v)) for n, h, v in CONTACT]),
    ]
    sources = customer.field_sources or {}
    if sources:
        sections[1].pairs.append(
            (
                _("Source of each value"),
                " · ".join(
                    f"{labels.label('customer_field', k)}: {labels.label('field_source', s)}"
                    for k, s in sources.items()
                ),
            )
        )
    everything = {**level1, **{k: v for k, v in level2.items() if k not in level1}}
    everything.pop("customers.Customer", None)
    merged = level1.get("customers.Customer", [])
    for label in [*ORDER, *sorted(k for k in everything if k not in RELATED)]:
        rows = everything.get(label)
        if not rows:
            continue
        model = type(rows[0])
        title, columns = RELATED.get(
            label, (str(model._meta.verbose_name_plural).capitalize(), _generic_columns(model))
        )
        sections.append(
            Section(
                label,
                title,
                headings=[h for _n, h, _v in columns],
                rows=[[_text(r, n, v) for n, _h, v in columns] for r in rows],
            )
        )
    if merged:
        sections.append(
            Section(
                "merged",
                _("Profiles merged into this one"),
                headings=[_("Name"), _("E-mail"), _("Phone")],
                rows=[[m.full_name, m.email, m.phone] for m in merged],
            )
        )
    return sections
