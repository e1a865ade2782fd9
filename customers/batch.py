"""Batch upserts of customers and orders for ERP and e-shop integrations (the API calls these).

Atomicity: PER RECORD. Each record is written in its own savepoint: a bad record is reported with its
field errors and does not stop the others; a record is never half-written. The whole call runs in the
brand's transaction, so a crash (not a validation error) rolls the entire batch back.
Idempotency: records are keyed by external id (customers: `external_id`, orders: (`source`,
`external_id`)); sending the same batch twice answers "unchanged" for every record the second time.
A customer not found by external id but matching a profile without one by e-mail (else phone) is
attached to that profile rather than duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.book_ranks import book_ranks_refresh_for
from customers.models import Customer, OrderSource
from customers.search_terms import search_terms_refresh
from customers.selectors import customer_find
from customers.services import PROFILE_FIELDS, consent_record, order_upsert
from jewelcrm.accounts.models import Brand

MAX_BATCH = 1000
# What an integration may set: the profile, less what only the brand's staff decide.
CUSTOMER_UPSERT_FIELDS = tuple(f for f in PROFILE_FIELDS if f not in ("assigned_associate", "external_id"))


@dataclass
class RecordResult:
    index: int
    external_id: str
    status: str  # created | updated | unchanged | error
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "index": self.index,
            "external_id": self.external_id,
            "status": self.status,
            "id": self.id,
        }
        if self.errors:
            data["errors"] = self.errors
        return data


def _errors_of(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {k: [str(m) for m in v] for k, v in error.message_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def customer_upsert(*, brand: Brand, record: dict[str, Any], source: str) -> tuple[Customer, str]:
    """Create or update one customer from a validated record (external_id plus any profile fields;
    e-mail and phone normalised; home_store a Store). Consents in record["consents"] are appended to
    the ledger unless the latest entry already says the same."""
    from customers.selectors import consent_current

    external_id = record["external_id"]
    fields = {k: v for k, v in record.items() if k in CUSTOMER_UPSERT_FIELDS}
    customer = Customer.objects.select_for_update().filter(brand=brand, external_id=external_id).first()
    status = "unchanged"
    if customer is None:
        match = customer_find(brand=brand, email=fields.get("email", ""), phone=fields.get("phone", ""))
        if match is not None and not match.external_id:
            customer = Customer.objects.select_for_update().get(pk=match.pk)
            customer.external_id = external_id
            status = "updated"
    if customer is None:
        customer = Customer(brand=brand, external_id=external_id, customer_since=timezone.localdate())
        status = "created"
    sources = dict(customer.field_sources or {})
    for name, value in fields.items():
        if name in ("home_store",):
            if customer.home_store_id != getattr(value, "pk", None):
                customer.home_store = value
                sources[name] = source
                status = "updated" if status == "unchanged" else status
            continue
        if value is None and name not in ("birth_date", "wedding_anniversary", "customer_since"):
            value = ""
        if name == "tags":
            value = list(dict.fromkeys(str(t).strip()[:40] for t in value or [] if str(t).strip()))
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            sources[name] = source
            status = "updated" if status == "unchanged" else status
    if not (customer.email or customer.phone):
        raise ValidationError({"email": ["Give an e-mail address or a phone number."]})
    if status != "unchanged":
        customer.field_sources = sources
        customer.full_clean(exclude=["brand", "home_store", "assigned_associate", "merged_into"])
        customer.save()
        search_terms_refresh(brand_id=brand.pk, customer_ids=[customer.pk], created=status == "created")
        book_ranks_refresh_for(brand=brand, customer_ids=[customer.pk])
    consents = record.get("consents") or []
    if consents:
        current = consent_current(brand=brand, customer=customer)
        for entry in consents:
            latest = (
                current.get(entry["channel"]) if entry.get("purpose", "marketing") == "marketing" else None
            )
            if (
                latest is not None
                and latest.is_granted == entry["is_granted"]
                and (latest.is_confirmed or not entry.get("is_confirmed"))
            ):
                continue
            consent_record(
                brand=brand,
                customer=customer,
                channel=entry["channel"],
                is_granted=entry["is_granted"],
                is_confirmed=bool(entry.get("is_confirmed")),
                purpose=entry.get("purpose", "marketing"),
                source="api",
                wording_version=entry.get("wording_version", ""),
                at=entry.get("at"),
            )
            status = "updated" if status == "unchanged" else status
    return customer, status


def customers_batch_upsert(
    *, brand: Brand, records: list[dict[str, Any]], source: str = "api", actor: Any = None
) -> list[RecordResult]:
    """Upsert validated customer records, one savepoint each. Invalid records (already found by the
    serializer) arrive as {"_errors": {...}}. One audit row for the batch."""
    from jewelcrm.accounts.services import audit_log_record

    if len(records) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per call.")
    results = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        external_id = str(record.get("external_id", ""))
        if record.get("_errors"):
            results.append(RecordResult(index, external_id, "error", errors=record["_errors"]))
            continue
        if external_id in seen:
            results.append(
                RecordResult(
                    index, external_id, "error", errors={"external_id": ["Appears twice in this batch."]}
                )
            )
            continue
        seen.add(external_id)
        try:
            with transaction.atomic():
                customer, status = customer_upsert(brand=brand, record=record, source=source)
        except ValidationError as error:
            results.append(RecordResult(index, external_id, "error", errors=_errors_of(error)))
        except IntegrityError:
            results.append(
                RecordResult(index, external_id, "error", errors={"non_field_errors": ["Conflict."]})
            )
        else:
            results.append(RecordResult(index, external_id, status, id=customer.pk))
    counts = _counts(results)
    audit_log_record(
        brand=brand, action="customer.batch_upsert", actor=actor, data={"source": source, **counts}
    )
    return results


def orders_batch_upsert(
    *, brand: Brand, records: list[dict[str, Any]], actor: Any = None
) -> list[RecordResult]:
    """Upsert validated order records (with lines), one savepoint each. The customer is found by
    `customer_external_id`, else by the order's e-mail."""
    from jewelcrm.accounts.services import audit_log_record

    if len(records) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} records per call.")
    from jewelcrm.catalog.selectors import product_get_by_reference

    products: dict[str, Any] = {}
    for record in records:
        for line in record.get("lines") or []:
            sku = line.get("sku") or ""
            if sku and sku not in products:
                products[sku] = product_get_by_reference(brand=brand, reference=sku)
            line["product"] = products.get(sku)
    external_ids = [r["customer_external_id"] for r in records if r.get("customer_external_id")]
    by_external = {
        c.external_id: c for c in Customer.objects.filter(brand=brand, external_id__in=external_ids)
    }
    results = []
    seen: set[tuple[str, str]] = set()
    for index, record in enumerate(records):
        external_id = str(record.get("external_id", ""))
        if record.get("_errors"):
            results.append(RecordResult(index, external_id, "error", errors=record["_errors"]))
            continue
        key = (record["source"], external_id)
        if key in seen:
            results.append(
                RecordResult(
                    index, external_id, "error", errors={"external_id": ["Appears twice in this batch."]}
                )
            )
            continue
        seen.add(key)
        customer = None
        if record.get("customer_external_id"):
            customer = by_external.get(record["customer_external_id"])
            if customer is None:
                results.append(
                    RecordResult(
                        index, external_id, "error", errors={"customer_external_id": ["Unknown customer."]}
                    )
                )
                continue
        elif record.get("email"):
            customer = customer_find(brand=brand, email=record["email"])
        fields = {
            "customer": customer,
            "store": record.get("store"),
            "channel": record.get("channel") or ("web" if record["source"] == OrderSource.ESHOP else "store"),
            "ordered_at": record["ordered_at"],
            "paid_at": record.get("paid_at"),
            "status": record["status"],
            "currency": record["currency"],
            "total": record["total"],
            "refunded_amount": record.get("refunded_amount") or Decimal("0"),
            "email": record.get("email", ""),
        }
        try:
            with transaction.atomic():
                order, status = order_upsert(
                    brand=brand,
                    source=record["source"],
                    external_id=external_id,
                    fields=fields,
                    lines=record.get("lines", []),
                )
        except ValidationError as error:
            results.append(RecordResult(index, external_id, "error", errors=_errors_of(error)))
        except IntegrityError:
            results.append(
                RecordResult(index, external_id, "error", errors={"non_field_errors": ["Conflict."]})
            )
        else:
            results.append(RecordResult(index, external_id, status, id=order.pk))
    audit_log_record(brand=brand, action="order.batch_upsert", actor=actor, data=_counts(results))
    return results


def _counts(results: list[RecordResult]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
    for result in results:
        counts[result.status] += 1
    return counts
