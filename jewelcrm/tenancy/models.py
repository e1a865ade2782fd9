"""Base class and managers of every brand-owned model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.sql.where import AND, WhereNode

from jewelcrm.tenancy.context import BrandContextMissing, get_current_brand_id


class CrossBrandWrite(PermissionError):
    """A write through a brand's scoped manager carried another brand: refused before any SQL."""


class BrandMoveRefused(CrossBrandWrite):
    """A row never moves to another brand (its brand is part of its key, and its shard on Citus)."""


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
        brand_id = self._brand_id()
        for name in ("brand", "brand_id"):
            if name in kwargs:
                value = kwargs[name]
                other = value.pk if isinstance(value, models.Model) else value
                if other is not None and int(other) != brand_id:
                    raise BrandMoveRefused(f"{self.model.__name__}: rows cannot be moved to another brand.")
        _check_values(self.model, brand_id, kwargs)
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

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:  # type: ignore[override]
        instance = super().from_db(db, field_names, values)
        instance._loaded_brand_id = instance.__dict__.get("brand_id")  # type: ignore[assignment]
        return instance

    def _save_table(self, *args: Any, **kwargs: Any) -> Any:
        updated = super()._save_table(*args, **kwargs)  # type: ignore[misc]
        self._loaded_brand_id = self.brand_id
        return updated

    def save_base(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded_brand_id", None)
        if loaded is not None and loaded != self.brand_id:
            raise BrandMoveRefused(
                f"{type(self).__name__} #{self.pk} belongs to brand {loaded}: it cannot move to brand "
                f"{self.brand_id}."
            )
        super().save_base(*args, **kwargs)

    def _do_update(self, base_qs: Any, using: Any, pk_val: Any, values: Any, *args: Any) -> Any:
        # UPDATE … WHERE brand_id = … AND id = …: one shard on Citus (the key is (brand_id, id)).
        return super()._do_update(base_qs.filter(brand_id=self.brand_id), using, pk_val, values, *args)


def _brand_join_restriction(field: Any) -> Any:
    """A join condition `a.brand_id = b.brand_id` for a foreign key between two brand models."""
    local_brand = field.model._meta.get_field("brand")
    remote_brand = field.related_model._meta.get_field("brand")

    def get_extra_restriction(alias: str | None, related_alias: str | None) -> Any:
        if alias is None or related_alias is None:
            return None
        lookup = local_brand.get_lookup("exact")(
            local_brand.get_col(related_alias), remote_brand.get_col(alias)
        )
        return WhereNode([lookup], connector=AND)

    return get_extra_restriction


def install_brand_joins() -> int:
    """Make every join between brand models also join on brand_id (single-shard plans on Citus).

    Applied to every foreign key between two brand models of every installed app (called from the
    tenancy app's ready()), so models added later are covered without any change to them.
    """
    from django.apps import apps

    count = 0
    for model in apps.get_models(include_auto_created=True):
        if not _has_brand(model):
            continue
        for field in model._meta.concrete_fields:
            if field.many_to_one or field.one_to_one:
                target = field.related_model
                if target is not None and field.name != "brand" and _has_brand(target):
                    field.get_extra_restriction = _brand_join_restriction(field)  # type: ignore[attr-defined]
                    count += 1
    return count


def _has_brand(model: Any) -> bool:
    try:
        return model._meta.get_field("brand").column == "brand_id"
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and non-model targets alike
        return False
