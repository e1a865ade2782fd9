"""Panels that lower apps add to pages of the apps above them, without those importing them.

An app may declare in its own `panels.py`:

    def customer_panel(*, brand, customer) -> dict | None       # {"template": ..., **context} on the 360 page
    def contact_priorities(*, brand, customer_ids) -> list[dict] # ranked entries for the client book
    def client_book_panel(*, brand, membership) -> dict | None   # {"template": ..., **context} in the book
    def customer_products(*, brand, customer_ids) -> dict[int, list] # products each one owns (client book)

Pages call `customer_panels(...)` and `contact_priorities(...)`, which gather every app's answer, as the
menu (navigation.py) and the home tiles (home.py) do.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType
from typing import Any

from django.apps import apps


@cache
def _modules() -> tuple[ModuleType, ...]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith(("jewelcrm", "customers", "warranties", "segmentation", "campaigns")):
            continue
        if f"{config.name}.panels" == __name__:
            continue  # this registry, not a provider
        try:
            found.append(importlib.import_module(f"{config.name}.panels"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.panels":
                raise
    return tuple(found)


def customer_panels(*, brand: Any, customer: Any) -> list[dict[str, Any]]:
    panels = []
    for module in _modules():
        if hasattr(module, "customer_panel"):
            panel = module.customer_panel(brand=brand, customer=customer)
            if panel:
                panels.append(panel)
    return panels


def contact_priorities(*, brand: Any, customer_ids: list[int]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for module in _modules():
        if hasattr(module, "contact_priorities"):
            entries.extend(module.contact_priorities(brand=brand, customer_ids=customer_ids))
    return entries


def client_book_panels(*, brand: Any, membership: Any) -> list[dict[str, Any]]:
    """Sections apps above customers add to the member's client book (campaigns' outreach tasks)."""
    panels = []
    for module in _modules():
        if hasattr(module, "client_book_panel"):
            panel = module.client_book_panel(brand=brand, membership=membership)
            if panel:
                panels.append(panel)
    return panels


def customer_products(*, brand: Any, customer_ids: list[int]) -> dict[int, list[Any]]:
    """The products of the pieces each customer owns, by customer id (for the thumbnails of the client
    book), gathered from every app that answers."""
    owned: dict[int, list[Any]] = {}
    for module in _modules():
        if hasattr(module, "customer_products"):
            answer = module.customer_products(brand=brand, customer_ids=customer_ids)
            for customer_id, products in answer.items():
                owned.setdefault(customer_id, []).extend(products)
    return owned
