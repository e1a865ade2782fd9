"""Base class and managers of every brand-owned model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from jewelcrm.tenancy.context import BrandContextMissing, get_current_brand_id


class CrossBrandWrite(PermissionError):
    """A write through a brand's scoped manager carried another brand: refused before any SQL."""


def _brand_of(value: Any) -> int | None:
    if isinstance(value, BrandScopedModel):
        return value.brand_id
    return None


def _check_values(model: Any, brand_id: int, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name in ("brand", "brand_id"):
            other = value.pk if isinstance(value, models.Model) else value
        else:
            other = _brand_of(value)
        if other is not None and int(other) != brand_id:
            raise CrossBrandWrite(
                f"{model.__name__}: {name} belongs to brand {other}, not to brand {brand_id} in context."
            )


def _check_instance(obj: Any, brand_id: int) -> None:
    if obj.brand_id is not None and obj.brand_id != brand_id:
        raise CrossBrandWrite(
            f"{type(obj).__name__}: the row belongs to brand {obj.brand_id}, "
            f"not to brand {brand_id} in context."
        )
    for field in obj._meta.concrete_fields:
        if field.is_relation and field.many_to_one and field.is_cached(obj):
            _check_values(type(obj), brand_id, {field.name: field.get_cached_value(obj)})


class BrandScopedQuerySet(models.QuerySet):
    """The application's wall on writes: create, bulk_create, update (and get_or_create,
    update_or_create, which go through them) refuse a brand, or a related row of a brand, other than the
    one in context. Row-level security would refuse it too; this answers first, with a clear error."""

    def _brand_id(self) -> int:
        brand_id = get_current_brand_id()
        if brand_id is None:
            raise BrandContextMissing(f"{self.model.__name__} written without a brand in context.")
        return brand_id

    def create(self, **kwargs: Any) -> Any:
        _check_values(self.model, self._brand_id(), kwargs)
        return super().create(**kwargs)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        brand_id = self._brand_id()
        for obj in objs:
            _check_instance(obj, brand_id)
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        _check_values(self.model, self._brand_id(), kwargs)
        return super().update(**kwargs)


class BrandScopedManager(models.Manager.from_queryset(BrandScopedQuerySet)):  # type: ignore[misc]
    """Fails closed: refuses to build a query when no brand is in context."""

    def get_queryset(self) -> BrandScopedQuerySet:
        brand_id = get_current_brand_id()
        if brand_id is None:
            raise BrandContextMissing(
                f"{self.model.__name__} queried without a brand in context "
                "(enter brand_context, or use the loudly named `unscoped` manager)."
            )
        return super().get_queryset().filter(brand_id=brand_id)


class BrandScopedModel(models.Model):
    """A row that belongs to one brand. Row-level security is applied to its table after migrate."""

    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.PROTECT, related_name="+", db_index=False, editable=False
    )

    objects = BrandScopedManager()
    # Escape hatch for platform admin, migrations and cross-brand jobs. Row-level security still
    # applies in the database: it returns only the rows of the brand set in the transaction.
    unscoped = models.Manager()  # noqa: DJ012 - a second manager, not a field

    class Meta:
        abstract = True
        base_manager_name = "unscoped"
