"""The cache of the public item page (`/i/<code>`), keyed by the item's public code.

It lives beside the item so that every app writing an item's history (warranties, portal) can make the
public page show a change at once, without depending on the portal that renders the page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def code_key(code: str) -> str:
    """Cache key of a code's resolution (brand, item, version)."""
    return f"portal:code:{code or '-'}"


def page_key(code: str, language: str) -> str:
    """Cache key of the rendered public page of a code in one language."""
    return f"portal:page:{code or '-'}:{language}"


def public_page_forget_now(*, item: Any) -> None:
    keys = [code_key(item.public_code)] + [
        page_key(item.public_code, lang) for lang, _name in settings.LANGUAGES
    ]
    cache.delete_many(keys)


def public_page_forget(*, item: Any) -> None:
    """The public page of the item must show the change being written: forget it once the transaction
    has committed (a look-up in between reads the old state and is forgotten too). Best effort: with
    Redis down the cache forgets nothing and the page is built from the database (jewelcrm.cache)."""
    transaction.on_commit(lambda: public_page_forget_now(item=item), robust=True)
