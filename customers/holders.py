"""Who holds data about a customer: the registry behind GDPR export, erasure and duplicate merge.

customers cannot know the apps above it (the app map), so it does not look for their tables. Instead,
every app whose models point to customers.Customer registers, in its own `customer_data.py` (imported by
its AppConfig.ready), one `CustomerDataHolder` that says which foreign keys it covers and how to

- **collect** the rows it holds about a person (export, the GDPR page): level 1 are rows pointing to the
  person, level 2 rows hanging from those (order lines, a piece's history);
- **erase** them: blank its free-text personal columns, replace the person's identifying values in its
  text and JSON columns (`Erasure.scrub_rows`), or delete derived data (`Erasure.delete`), keeping
  whatever history its own rules keep (warranties keeps the piece's timeline under the pseudonym);
- **merge** them: re-point its rows from the merged profile to the survivor (`Merge.move`).

`tests/platform/test_customer_data.py` fails when a model with a foreign key to Customer is covered by no
holder, so a new app cannot forget. The labels ("app.Model.field") are those of the merge's audit row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction

if TYPE_CHECKING:
    from customers.models import Customer
    from jewelcrm.accounts.models import Brand

Rows = dict[str, list[Any]]


def label_of(model: type[models.Model]) -> str:
    return model._meta.label


@dataclass
class Collected:
    """Rows about the person by model label: level 1 (pointing to the person), level 2 (hanging from
    level-1 rows)."""

    level1: Rows = field(default_factory=dict)
    level2: Rows = field(default_factory=dict)
    _seen: set[tuple[int, str, Any]] = field(default_factory=set, repr=False)

    def add(self, rows: Iterable[models.Model], *, level: int = 1) -> None:
        target = self.level1 if level == 1 else self.level2
        for row in rows:
            label = label_of(type(row))
            if (level, label, row.pk) not in self._seen:
                self._seen.add((level, label, row.pk))
                target.setdefault(label, []).append(row)


def _blank(f: models.Field) -> Any:
    if isinstance(f, models.JSONField):
        return f.get_default()
    if f.null:
        return None
    if isinstance(f, models.CharField | models.TextField):
        return ""
    if isinstance(f, models.BooleanField):
        return False
    return f.get_default()


def blank_value(f: models.Field) -> Any:
    """The empty value of a column: NULL when allowed, else "", False or the default."""
    return _blank(f)


@dataclass
class Erasure:
    """One erasure in progress: the brand, the person (with every profile merged into them), and the
    scrubber that replaces their identifying values by "[erased]". Holders report what they changed."""

    brand: Brand
    customer: Customer
    profile_ids: list[int]
    needles: list[str]
    scrub: Callable[[Any], Any]
    changed: dict[str, int] = field(default_factory=dict)

    def _count(self, label: str, n: int) -> None:
        if n:
            self.changed[label] = self.changed.get(label, 0) + n

    def scrub_rows(self, rows: Iterable[models.Model], *, blank: Sequence[str] = ()) -> int:
        """Blank the columns named in `blank`, scrub the person out of every other text or JSON column.
        Returns the number of rows changed."""
        count = 0
        for row in rows:
            model = type(row)
            changes: dict[str, Any] = {}
            for f in model._meta.concrete_fields:
                if f.name in blank:
                    empty = _blank(f)
                    if getattr(row, f.attname) != empty:
                        changes[f.attname] = empty
            for f in model._meta.concrete_fields:
                if f.attname in changes or f.primary_key:
                    continue
                if not isinstance(f, models.CharField | models.TextField | models.JSONField):
                    continue
                value = getattr(row, f.attname)
                scrubbed = self.scrub(value)
                if scrubbed != value:
                    if isinstance(scrubbed, str) and f.max_length:
                        scrubbed = scrubbed[: f.max_length]
                    changes[f.attname] = scrubbed
            if changes:
                model._base_manager.filter(brand_id=self.brand.pk, pk=row.pk).update(**changes)
                count += 1
                self._count(label_of(model), 1)
        return count

    def delete(self, queryset: models.QuerySet) -> int:
        """Delete derived rows about the person (scores, memberships)."""
        n = len(list(queryset.values_list("pk", flat=True)))
        queryset.delete()
        self._count(label_of(queryset.model), n)
        return n


@dataclass
class Merge:
    """One merge in progress: `other`'s rows go to `survivor`. `moved` and `kept` count them by
    "app.Model.field" for the audit row."""

    brand: Brand
    survivor: Customer
    other: Customer
    moved: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)

    def move(self, model: type[models.Model], fk_name: str, *, on_conflict: str = "keep") -> int:
        """Re-point `model.fk_name` from the other profile to the survivor. A row that cannot move (a
        unique constraint per customer) stays with the tombstone (`on_conflict="keep"`) or, for derived
        data, is deleted (`on_conflict="drop"`)."""
        key = f"{label_of(model)}.{fk_name}"
        rows = model._base_manager.filter(brand_id=self.brand.pk, **{fk_name: self.other.pk})
        if model._meta.label == "customers.Customer":
            rows = rows.exclude(pk=self.survivor.pk)
        try:
            with transaction.atomic():
                count = rows.update(**{fk_name: self.survivor.pk})
        except IntegrityError:
            count = 0
            for pk in list(rows.values_list("pk", flat=True)):
                one = model._base_manager.filter(brand_id=self.brand.pk, pk=pk)
                try:
                    with transaction.atomic():
                        count += one.update(**{fk_name: self.survivor.pk})
                except IntegrityError:
                    if on_conflict == "drop":
                        one.delete()
                        self.dropped[key] = self.dropped.get(key, 0) + 1
                    else:
                        self.kept[key] = self.kept.get(key, 0) + 1
        if count:
            self.moved[key] = self.moved.get(key, 0) + count
        return count


@dataclass(frozen=True)
class CustomerDataHolder:
    """What one app does with the data it holds about a person. `foreign_keys` lists every
    "app.Model.field" of the app pointing to customers.Customer."""

    app_label: str
    foreign_keys: tuple[str, ...]
    collect: Callable[[Brand, list[int]], Collected]
    erase: Callable[[Erasure], None]
    merge: Callable[[Merge], None]


_HOLDERS: dict[str, CustomerDataHolder] = {}


def customer_data_holder(holder: CustomerDataHolder) -> CustomerDataHolder:
    """Register an app's holder (once per app; registering again replaces it, for reloads)."""
    _HOLDERS[holder.app_label] = holder
    return holder


def holders() -> list[CustomerDataHolder]:
    """The registered holders, customers' own first, then by app label (a stable order)."""
    return sorted(_HOLDERS.values(), key=lambda h: (h.app_label != "customers", h.app_label))


def covered_foreign_keys() -> set[str]:
    return {fk for h in _HOLDERS.values() for fk in h.foreign_keys}
