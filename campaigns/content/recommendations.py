"""The recommendations block: complements of the pieces owned (the catalogue's complements), then the
products most often bought by the same customers as the pieces owned (the brand's co-purchase counts).

The co-purchase counts are one aggregate query over the brand's order lines
(customers.selectors.co_purchase_counts), kept per brand in the cache for CO_PURCHASE_SECONDS: a batch
of recipients never counts them again, and no recipient costs a query of its own.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from customers import selectors as customer_selectors

CO_PURCHASE_SECONDS = 6 * 3600
CO_PURCHASE_KEPT = 10  # per product: the most bought-together others


def _cache_key(brand: Any) -> str:
    return f"campaign_content:{brand.pk}:bought_together"


def bought_together_compute(*, brand: Any) -> dict[int, list[tuple[int, int]]]:
    """product id -> [(other product id, customers who bought both)], most first, then by id."""
    together: dict[int, list[tuple[int, int]]] = {}
    for row in customer_selectors.co_purchase_counts(brand=brand):
        if row["product_id"] == row["other_id"]:
            continue
        together.setdefault(row["product_id"], []).append((row["other_id"], row["customers"]))
    for product_id, others in together.items():
        others.sort(key=lambda pair: (-pair[1], pair[0]))
        together[product_id] = others[:CO_PURCHASE_KEPT]
    return together


def bought_together(*, brand: Any) -> dict[int, list[tuple[int, int]]]:
    """The brand's co-purchase counts, from the cache (computed on a miss)."""
    together = cache.get_or_set(
        _cache_key(brand), lambda: bought_together_compute(brand=brand), CO_PURCHASE_SECONDS
    )
    return together or {}


def bought_together_forget(*, brand: Any) -> None:
    cache.delete(_cache_key(brand))


def for_pieces(
    *, owned: list[int], products: dict[int, Any], together: dict[int, list[tuple[int, int]]]
) -> list[int]:
    """Product ids to suggest to someone who owns `owned` (last bought first): the complements of each
    piece (catalogue order), then what was bought with them (most customers first), never a piece they
    own, never an inactive product; each at most once."""
    chosen: list[int] = []
    seen = set(owned)

    def add(product_id: int) -> None:
        product = products.get(product_id)
        if product_id in seen or (product is not None and not product.is_active):
            return
        seen.add(product_id)
        chosen.append(product_id)

    for product_id in owned:
        product = products.get(product_id)
        for complement_id in getattr(product, "complement_ids", []) if product is not None else []:
            add(complement_id)
    scores: dict[int, int] = {}
    for product_id in owned:
        for other_id, count in together.get(product_id, []):
            scores[other_id] = scores.get(other_id, 0) + count
    for other_id, _count in sorted(scores.items(), key=lambda pair: (-pair[1], pair[0])):
        add(other_id)
    return chosen
