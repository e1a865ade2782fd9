"""Reads of the owner portal and of the public item page."""

from __future__ import annotations

import calendar
import logging
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from jewelcrm.tenancy.context import brand_context
from warranties.inventory.models import Item, ItemStatus
from warranties.portal import codes
from warranties.portal.models import (
    Audience,
    Post,
    PostKind,
    Rsvp,
    RsvpAnswer,
    ServiceRequest,
    Transfer,
    TransferStatus,
)

logger = logging.getLogger("jewelcrm.portal.public")

# A brand id that never exists: unknown codes run the same item query under it (constant work).
NO_BRAND_ID = 2**62


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Public item page ----------------------------------------------------------------------------


BRAND_CACHE_SECONDS = 60


def public_brand_for_code(*, raw_code: str) -> tuple[str, Brand | None]:
    """(canonical code or "", brand of its prefix or None). The brand is cached briefly, known or not,
    so a known and an unknown prefix cost the same."""
    code = codes.normalise(raw_code) or ""
    brand_prefix = codes.prefix(code) if code else ""
    key = f"portal:prefix:{brand_prefix or '-'}"
    cached = cache.get(key)
    if cached is None:
        brand = Brand.objects.filter(code_prefix=brand_prefix or "-", is_active=True).first()
        cache.set(key, brand or 0, BRAND_CACHE_SECONDS)
    else:
        brand = cached or None
    return code, brand


def public_item_locate(*, code: str) -> tuple[int | None, str]:
    """(item id or None, version) of a canonical code, inside the brand context already entered
    (the code's brand, or NO_BRAND_ID for an unknown prefix: the same query runs either way)."""
    row = (
        Item.objects.filter(public_code=code)
        .annotate(last_event=Max("events__id"))
        .values_list("pk", "updated_at", "last_event")
        .first()
    )
    if row is None:
        return None, ""
    item_id, updated_at, last_event = row
    return item_id, f"{updated_at.timestamp():.6f}:{last_event or 0}"


def public_item_resolve(*, raw_code: str) -> tuple[Brand | None, int | None, str]:
    """(brand, item id, version) for a public code: the brand by prefix, then the item inside that brand
    (or inside a brand that never exists). `brand` is None for an unknown prefix; `item_id` None for an
    unknown code."""
    code, brand = public_brand_for_code(raw_code=raw_code)
    with brand_context(brand.pk if brand is not None else NO_BRAND_ID):
        item_id, version = public_item_locate(code=code)
    return brand, item_id, version


def public_item_resolve_many(*, raw_codes: list[str]) -> dict[str, int]:
    """The same resolution for many codes at once (one item query per brand): {raw code: item id} of the
    hits. Used to check that random codes find nothing."""
    by_brand: dict[int, dict[str, str]] = {}
    brand_ids: dict[str, int] = {}
    for raw in raw_codes:
        code = codes.normalise(raw) or ""
        brand_prefix = codes.prefix(code) if code else ""
        if brand_prefix not in brand_ids:
            brand = public_brand_for_code(raw_code=raw)[1]
            brand_ids[brand_prefix] = brand.pk if brand is not None else NO_BRAND_ID
        by_brand.setdefault(brand_ids[brand_prefix], {})[code] = raw
    hits: dict[str, int] = {}
    for brand_id, wanted in by_brand.items():
        with brand_context(brand_id):
            for code, pk in Item.objects.filter(public_code__in=list(wanted)).values_list(
                "public_code", "pk"
            ):
                hits[wanted[code]] = pk
    return hits


def _month(day: Any) -> date | None:
    if day is None:
        return None
    return date(day.year, day.month, 1)


def public_item_page(*, brand: Brand, item_id: int) -> dict[str, Any] | None:
    """What the public page may show, and nothing personal. Call inside brand_context(brand)."""
    return _public_item_build(item_id=item_id)


def _public_item_build(*, item_id: int) -> dict[str, Any] | None:
    from warranties.models import Intervention, Registration

    item = Item.objects.select_related("product").filter(pk=item_id).first()
    if item is None:
        return None
    registrations = list(
        Registration.objects.filter(item_id=item_id).select_related("store").order_by("registered_at", "id")
    )
    interventions = list(
        Intervention.objects.filter(item_id=item_id).select_related("store").order_by("received_on", "id")
    )
    first = registrations[0] if registrations else None
    current = next((r for r in registrations if r.is_current), None)
    today = timezone.localdate()
    product = item.product
    return {
        "code": item.public_code,
        "product_name_en": product.name_en,
        "product_name_fr": product.name_fr or product.name_en,
        "reference": product.reference,
        "collection": product.collection,
        "category": product.get_category_display()
        if hasattr(product, "get_category_display")
        else product.category,
        "category_value": product.category,
        "photo": product.picture.url if product.picture else "",  # the thumbnail (catalog.photos)
        "status": item.status,
        "is_flagged": item.status in (ItemStatus.LOST, ItemStatus.STOLEN),
        "is_stolen": item.status == ItemStatus.STOLEN,
        "sale_month": _month(first.sold_on) if first else None,
        "sale_city": first.store.city if first else "",
        "sale_country": str(first.store.country.name) if first and first.store.country else "",
        "warranty_until": _month(current.warranty_ends_on) if current else None,
        "warranty_valid": bool(current and current.warranty_starts_on <= today <= current.warranty_ends_on),
        "owners": len({r.customer_id for r in registrations}),
        "interventions": [
            {
                "kind": i.get_kind_display(),
                "kind_value": i.kind,
                "month": _month(i.received_on),
                "city": i.store.city,
                "country": str(i.store.country.name) if i.store.country else "",
            }
            for i in interventions
        ],
    }


# --- Owner: my pieces ----------------------------------------------------------------------------


def owner_item_list(*, brand: Brand, customer: Customer) -> QuerySet[Item]:
    from warranties.models import Intervention, Registration

    return (
        Item.objects.filter(brand=brand, owner=customer)
        .select_related("product")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.select_related("store").order_by("registered_at"),
            ),
            Prefetch(
                "interventions",
                queryset=Intervention.objects.select_related("store").order_by("-received_on", "-id"),
            ),
        )
        .order_by("-updated_at", "pk")
    )


def owner_item_get(*, brand: Brand, customer: Customer, item_id: int) -> Item | None:
    return owner_item_list(brand=brand, customer=customer).filter(pk=item_id).first()


def item_summary(*, item: Item) -> dict[str, Any]:
    """Warranty, purchase and next service of an item loaded by owner_item_list (no extra query)."""
    registrations = list(item.registrations.all())
    interventions = list(item.interventions.all())
    current = next((r for r in registrations if r.is_current), None)
    first_of_mine = current
    today = timezone.localdate()
    last_service = next((i for i in interventions if i.kind == "service"), None)
    base = last_service.received_on if last_service else (registrations[0].sold_on if registrations else None)
    interval = item.product.service_interval_months
    next_service = add_months(base, interval) if base and interval else None
    in_progress = next((i for i in interventions if i.status != "returned"), None)
    return {
        "item": item,
        "registration": first_of_mine,
        "first_registration": registrations[0] if registrations else None,
        "warranty_valid": bool(current and current.warranty_starts_on <= today <= current.warranty_ends_on),
        "warranty_ends_on": current.warranty_ends_on if current else None,
        "interventions": interventions,
        "in_progress": in_progress,
        "next_service": next_service,
        "next_service_due": bool(next_service and next_service <= today),
        "is_flagged": item.status in (ItemStatus.LOST, ItemStatus.STOLEN),
    }


def item_events_public(*, item: Item) -> list[Any]:
    from warranties.models import ItemEvent

    return list(
        ItemEvent.objects.filter(item=item, is_public=True).select_related("store").order_by("at", "id")
    )


def transfer_pending_for(*, item: Item) -> Transfer | None:
    return Transfer.objects.filter(
        item=item, status=TransferStatus.PENDING, expires_at__gt=timezone.now()
    ).first()


def service_request_list_for_customer(*, customer: Customer) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(customer=customer).select_related("item", "item__product", "store")


# --- Stores --------------------------------------------------------------------------------------


def store_choices(*, brand: Brand) -> list[tuple[str, list[tuple[int, str]]]]:
    """Active stores grouped by country, sorted by city: [(country name, [(id, "City — Store")])]."""
    from jewelcrm.retail.models import Store

    groups: dict[str, list[tuple[int, str]]] = {}
    for store in Store.objects.filter(brand=brand, is_active=True).order_by("country", "city", "name"):
        groups.setdefault(
            str(store.country.name) if hasattr(store.country, "name") else str(store.country), []
        ).append((store.pk, f"{store.city} — {store.name}"))
    return sorted(groups.items())


def store_get(*, brand: Brand, store_id: int) -> Any:
    from jewelcrm.retail.models import Store

    return Store.objects.filter(brand=brand, pk=store_id, is_active=True).first()


# --- Posts ---------------------------------------------------------------------------------------


def post_list(*, brand: Brand) -> QuerySet[Post]:
    return Post.objects.filter(brand=brand).order_by("-created_at")


def post_get(*, brand: Brand, post_id: int) -> Post | None:
    return Post.objects.filter(brand=brand, pk=post_id).first()


def _owner_filter(*, brand: Brand, customer: Customer) -> Q:
    owned = Item.objects.filter(brand=brand, owner=customer).values_list(
        "product__collection", "product__category"
    )
    collections = {c for c, _ in owned if c}
    categories = {k for _, k in owned if k}
    return (
        Q(audience=Audience.ALL)
        | Q(audience=Audience.COLLECTION, audience_value__in=collections)
        | Q(audience=Audience.CATEGORY, audience_value__in=categories)
    )


def post_list_for_owner(*, brand: Brand, customer: Customer) -> QuerySet[Post]:
    """The published posts meant for this owner (by audience and language)."""
    language_filter = Q(language="") | Q(language=customer.language or brand.default_language)
    return (
        Post.objects.filter(brand=brand, is_published=True)
        .filter(_owner_filter(brand=brand, customer=customer))
        .filter(language_filter)
        .order_by("-published_at")
    )


def post_get_for_owner(*, brand: Brand, customer: Customer, post_id: int) -> Post | None:
    return post_list_for_owner(brand=brand, customer=customer).filter(pk=post_id).first()


def rsvp_summary(*, post: Post, customer: Customer | None = None) -> dict[str, Any]:
    yes = Rsvp.objects.filter(post=post, answer=RsvpAnswer.YES).count()
    mine = Rsvp.objects.filter(post=post, customer=customer).first() if customer is not None else None
    return {
        "yes": yes,
        "no": Rsvp.objects.filter(post=post, answer=RsvpAnswer.NO).count(),
        "places_left": None if post.capacity is None else max(post.capacity - yes, 0),
        "mine": mine.answer if mine else "",
        "is_event": post.kind == PostKind.EVENT,
    }


# --- Intranet ------------------------------------------------------------------------------------


def service_request_queue(*, brand: Brand, store: Any) -> QuerySet[ServiceRequest]:
    return (
        ServiceRequest.objects.filter(brand=brand, store=store)
        .select_related("item", "item__product", "customer", "intervention")
        .order_by("status", "-created_at")
    )


def service_request_get_for_store(*, brand: Brand, store: Any, request_id: int) -> ServiceRequest | None:
    return service_request_queue(brand=brand, store=store).filter(pk=request_id).first()


def flagged_item_list(*, brand: Brand) -> QuerySet[Item]:
    return (
        Item.objects.filter(brand=brand, status__in=[ItemStatus.LOST, ItemStatus.STOLEN])
        .select_related("product", "current_store")
        .order_by("-updated_at")
    )


def item_find_for_store(*, brand: Brand, query: str) -> Item | None:
    from warranties.inventory.selectors import item_find

    return item_find(brand=brand, query=query)


def owner_approval_list_for_store(*, brand: Brand, store: Any) -> QuerySet[Any]:
    """What this store asked owners to confirm, newest first."""
    from warranties.portal.models import OwnerApproval

    return (
        OwnerApproval.objects.filter(brand=brand, store=store)
        .select_related("item", "item__product")
        .order_by("-created_at", "-id")
    )


def portal_customer(request: Any, *, brand: Brand) -> Customer | None:
    """The customer signed in to this brand's portal (the portal's session), or None. For pages other
    apps mount under the portal's address space; call inside brand_context(brand)."""
    from warranties.portal import session

    return session.customer_for(request, brand=brand)
