"""Reads of brands, memberships and API keys."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jewelcrm.accounts.models import APIKey, AuditLog, Brand, Membership, User
from jewelcrm.tenancy.context import user_context


def brand_get_by_slug(*, slug: str) -> Brand | None:
    return Brand.objects.filter(slug=slug, is_active=True).first()


def brand_get(*, brand_id: int) -> Brand | None:
    """An active brand by id (a signed token names it: unsubscribe links, provider webhooks)."""
    return Brand.objects.filter(pk=brand_id, is_active=True).first()


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


def invitation_list_for_user(*, user: User) -> list[Membership]:
    """The invitations waiting for this user's answer, across brands."""
    if not user.is_authenticated:
        return []
    with user_context(user.pk):
        return list(
            Membership.unscoped.filter(user=user, is_pending=True, brand__is_active=True)
            .select_related("brand", "store")
            .order_by("brand__name")
        )


def membership_list(*, brand: Brand, store_id: int | None = None, search: str = "") -> QuerySet[Membership]:
    """The brand's memberships (optionally of one store), with user and store, by e-mail."""
    memberships = Membership.objects.filter(brand=brand).select_related("user", "store")
    if store_id is not None:
        memberships = memberships.filter(store_id=store_id)
    search = (search or "").strip()
    if search:
        memberships = memberships.filter(
            Q(user__email__icontains=search) | Q(user__full_name__icontains=search)
        )
    return memberships.order_by("user__email")


def membership_get_by_id(
    *, brand: Brand, membership_id: int, store_id: int | None = None
) -> Membership | None:
    """One membership of the brand in context; None for another brand's id, like a missing one."""
    return membership_list(brand=brand, store_id=store_id).filter(pk=membership_id).first()


def api_key_list(*, brand: Brand) -> QuerySet[APIKey]:
    return (
        APIKey.objects.filter(brand=brand).select_related("created_by").order_by("revoked_at", "-created_at")
    )


def api_key_get(*, brand: Brand, key_id: int) -> APIKey | None:
    return APIKey.objects.filter(brand=brand, pk=key_id).first()


def audit_log_list(*, brand: Brand, action: str = "", search: str = "") -> QuerySet[AuditLog]:
    """The brand's audit trail, newest first, with the actor; optionally one action or a text search."""
    entries = AuditLog.objects.filter(brand=brand).select_related("actor")
    if action:
        entries = entries.filter(action=action)
    search = (search or "").strip()
    if search:
        entries = entries.filter(
            Q(actor__email__icontains=search) | Q(object_type__icontains=search) | Q(object_id=search)
        )
    return entries.order_by("-at", "-pk")


def audit_log_actions(*, brand: Brand) -> list[str]:
    return list(
        AuditLog.objects.filter(brand=brand).order_by("action").values_list("action", flat=True).distinct()
    )


def membership_store_choices(*, brand: Brand) -> QuerySet[Any]:
    """The brand's active stores a retailer membership may name. The store model is reached through the
    membership's own relation, so this app does not import the retail app that stands on it."""
    store_model = Membership._meta.get_field("store").related_model
    return store_model.objects.filter(brand=brand, is_active=True).select_related("retailer").order_by("code")
