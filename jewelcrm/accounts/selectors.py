"""Reads of brands, memberships and API keys."""

from __future__ import annotations

from django.db.models import QuerySet

from jewelcrm.accounts.models import Brand, Membership, User
from jewelcrm.tenancy.context import user_context


def brand_get_by_slug(*, slug: str) -> Brand | None:
    return Brand.objects.filter(slug=slug, is_active=True).first()


def membership_get(*, brand: Brand, user: User) -> Membership | None:
    """The user's active membership of the brand in context, or None."""
    return (
        Membership.objects.filter(brand=brand, user=user, is_active=True)
        .select_related("store", "store__retailer")
        .first()
    )


def membership_list_for_user(*, user: User) -> list[Membership]:
    """Every active membership of a user, across brands (the brand switcher, the landing page)."""
    if not user.is_authenticated:
        return []
    with user_context(user.pk):
        return list(
            Membership.unscoped.filter(user=user, is_active=True, brand__is_active=True)
            .select_related("brand", "store")
            .order_by("brand__name")
        )


def membership_list(*, brand: Brand) -> QuerySet[Membership]:
    return Membership.objects.filter(brand=brand).select_related("user", "store").order_by("user__email")
