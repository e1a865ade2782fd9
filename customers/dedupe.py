"""Likely duplicates (a read) and the merge of two profiles (a write).

Detection, within one brand, among live profiles (not merged, not pseudonymised):
- same normalised e-mail;
- same E.164 phone;
- same birth date and a similar name: accent- and case-insensitive name keys whose
  difflib.SequenceMatcher ratio is at least NAME_SIMILARITY (first and last names also tried swapped).

Merge: the survivor keeps its values and takes the other profile's values only where it has none; then
each app that holds data about customers re-points its own rows to the survivor through the merge
handler it registered (customers.holders; a test fails when a foreign key to Customer has no handler).
The other profile stays as a tombstone with `merged_into` set. One transaction, audited; profiles locked
in id order, retried on deadlock.
"""

from __future__ import annotations

import difflib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.book_ranks import book_ranks_refresh_for
from customers.holders import Merge, holders
from customers.models import Customer
from customers.normalise import name_key
from customers.search_terms import search_terms_refresh
from customers.services import PROFILE_FIELDS
from jewelcrm.accounts.models import Brand

logger = logging.getLogger(__name__)

NAME_SIMILARITY = 0.85
REASONS = {
    "email": gettext_lazy("Same e-mail"),
    "phone": gettext_lazy("Same phone"),
    "name_birth_date": gettext_lazy("Similar name and same birth date"),
}
# Fields the survivor takes from the other profile when it has no value of its own.
FILLABLE_FIELDS = (
    *(f for f in PROFILE_FIELDS if f not in ("tags", "notes", "customer_since")),
    "email_confirmed_at",
    "last_contacted_on",
)


@dataclass
class DuplicatePair:
    first: Customer
    second: Customer
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[r]) for r in self.reasons]


def _live(brand: Brand) -> Any:
    return Customer.objects.filter(brand=brand, merged_into__isnull=True, is_pseudonymised=False)


def _similar(a: Customer, b: Customer) -> bool:
    key_a = name_key(a.first_name, a.last_name)
    if not key_a:
        return False
    candidates = (name_key(b.first_name, b.last_name), name_key(b.last_name, b.first_name))
    return any(
        difflib.SequenceMatcher(None, key_a, key_b).ratio() >= NAME_SIMILARITY
        for key_b in candidates
        if key_b
    )


def duplicate_pair_list(*, brand: Brand, limit: int = 200) -> list[DuplicatePair]:
    """Likely duplicate pairs, the older profile first, at most `limit` pairs. A fixed number of queries."""
    live = _live(brand)
    pairs: dict[tuple[int, int], list[str]] = defaultdict(list)

    def add_groups(ids_by_value: dict[Any, list[int]], reason: str) -> None:
        for ids in ids_by_value.values():
            ids = sorted(ids)
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    if reason not in pairs[(a, b)]:
                        pairs[(a, b)].append(reason)

    for column, reason in (("email", "email"), ("phone", "phone")):
        values = list(
            live.exclude(**{column: ""})
            .values(column)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list(column, flat=True)[:2000]
        )
        groups: dict[Any, list[int]] = defaultdict(list)
        for pk, value in live.filter(**{f"{column}__in": values}).values_list("pk", column)[:5000]:
            groups[value].append(pk)
        add_groups(groups, reason)

    # Materialised first: PostgreSQL plans "IN (grouped subquery)" under row-level security badly.
    dates = list(
        live.filter(birth_date__isnull=False)
        .values("birth_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("birth_date", flat=True)[:10000]
    )
    by_date: dict[Any, list[Customer]] = defaultdict(list)
    for customer in live.filter(birth_date__in=dates).only("pk", "first_name", "last_name", "birth_date")[
        :20000
    ]:
        by_date[customer.birth_date].append(customer)
    for block in by_date.values():
        block.sort(key=lambda c: c.pk)
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                if _similar(a, b) and "name_birth_date" not in pairs[(a.pk, b.pk)]:
                    pairs[(a.pk, b.pk)].append("name_birth_date")

    keys = sorted(pairs)[:limit]
    ids = {pk for key in keys for pk in key}
    customers = {c.pk: c for c in live.filter(pk__in=ids).select_related("home_store")}
    return [
        DuplicatePair(first=customers[a], second=customers[b], reasons=pairs[(a, b)])
        for a, b in keys
        if a in customers and b in customers
    ]


def duplicate_pair_get(*, brand: Brand, first_id: int, second_id: int) -> DuplicatePair | None:
    """The pair (first, second) if both are live profiles of the brand, with the reasons that apply."""
    found = {c.pk: c for c in _live(brand).filter(pk__in=[first_id, second_id]).select_related("home_store")}
    if first_id == second_id or len(found) != 2:
        return None
    a, b = found[first_id], found[second_id]
    reasons = []
    if a.email and a.email == b.email:
        reasons.append("email")
    if a.phone and a.phone == b.phone:
        reasons.append("phone")
    if a.birth_date and a.birth_date == b.birth_date and _similar(a, b):
        reasons.append("name_birth_date")
    return DuplicatePair(first=a, second=b, reasons=reasons)


# PostgreSQL's "deadlock detected" and "could not serialize": the transaction lost a race and can
# simply run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
MERGE_ATTEMPTS = 3


def _is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    return (
        getattr(cause, "pgcode", None) in RETRYABLE_SQLSTATES
        or getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES
    )


def customer_merge(*, brand: Brand, survivor: Customer, other: Customer, actor: Any = None) -> Customer:
    """Merge `other` into `survivor` (see the module docstring). Returns the survivor.

    Overlapping merges at once are safe: each locks every profile it will write (the two profiles and
    the tombstones already merged into `other`) in one statement, in id order, so they queue rather than
    deadlock; a deadlock that still happens (rows locked by other writers) rolls back this attempt's
    savepoint and runs it again, at most MERGE_ATTEMPTS times.
    """
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _customer_merge(brand=brand, survivor=survivor, other=other, actor=actor)
        except OperationalError as error:
            if attempt == MERGE_ATTEMPTS or not _is_retryable(error):
                raise
            logger.warning(
                "customer merge %s <- %s: %s, attempt %s of %s",
                survivor.pk,
                other.pk,
                type(error.__cause__).__name__,
                attempt,
                MERGE_ATTEMPTS,
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _customer_merge(*, brand: Brand, survivor: Customer, other: Customer, actor: Any = None) -> Customer:
    from jewelcrm.accounts.services import audit_log_record

    if survivor.pk == other.pk:
        raise ValidationError(_("A profile cannot be merged into itself."))
    # Lock in id order: two merges sharing a profile wait for each other instead of deadlocking.
    rows = list(
        Customer.objects.select_for_update()
        .filter(Q(pk__in=[survivor.pk, other.pk]) | Q(merged_into=other.pk), brand=brand)
        .order_by("pk")
    )
    locked = {c.pk: c for c in rows if c.pk in (survivor.pk, other.pk)}
    if len(locked) != 2:
        raise ValidationError(_("Unknown customer."))
    survivor, other = locked[survivor.pk], locked[other.pk]
    if survivor.merged_into_id or other.merged_into_id:
        raise ValidationError(_("This profile has already been merged."))
    if survivor.is_pseudonymised or other.is_pseudonymised:
        raise ValidationError(_("An erased profile cannot be merged."))

    filled = []
    sources = dict(survivor.field_sources or {})
    for name in FILLABLE_FIELDS:
        attr = f"{name}_id" if name in ("home_store", "assigned_associate") else name
        if getattr(survivor, attr) in (None, "") and getattr(other, attr) not in (None, ""):
            setattr(survivor, attr, getattr(other, attr))
            filled.append(name)
            if name in (other.field_sources or {}):
                sources[name] = other.field_sources[name]
    survivor.tags = list(dict.fromkeys([*(survivor.tags or []), *(other.tags or [])]))
    if other.notes and other.notes not in survivor.notes:
        survivor.notes = f"{survivor.notes}\n\n{other.notes}".strip()
    if other.customer_since and (
        survivor.customer_since is None or other.customer_since < survivor.customer_since
    ):
        survivor.customer_since = other.customer_since
    survivor.field_sources = sources
    if "external_id" in filled:
        # The external id is unique per brand: free it on the other profile first.
        Customer.unscoped.filter(pk=other.pk).update(external_id="")
        other.external_id = ""
    survivor.save()

    merge = Merge(brand=brand, survivor=survivor, other=other)
    for holder in holders():
        holder.merge(merge)

    other.merged_into = survivor
    other.save(update_fields=["merged_into", "updated_at"])
    search_terms_refresh(brand_id=brand.pk, customer_ids=[survivor.pk, other.pk])
    book_ranks_refresh_for(brand=brand, customer_ids=[survivor.pk, other.pk])
    audit_log_record(
        brand=brand,
        action="customer.merge",
        actor=actor,
        obj=survivor,
        data={
            "merged_id": other.pk,
            "survivor_id": survivor.pk,
            "filled_fields": filled,
            "moved": merge.moved,
            "kept": merge.kept,
            "dropped": merge.dropped,
        },
    )
    return survivor
