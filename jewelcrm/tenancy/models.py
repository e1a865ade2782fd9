"""Base class and managers of every brand-owned model."""

from __future__ import annotations

from django.db import models

from jewelcrm.tenancy.context import BrandContextMissing, get_current_brand_id


class BrandScopedQuerySet(models.QuerySet):
    pass


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
