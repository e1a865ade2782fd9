"""The public item page's engine: resolution of a code, the rendered card, the look-up log.

Constant work: the resolution of a code (known or not, its brand prefix known or not) is cached under
the canonical code for CODE_CACHE_SECONDS, so the first look-up of any code costs the brand (short cache)
plus one item query inside the brand's context (or a brand that never exists), and a repeated look-up
of any code costs one cache read. The timing tells whether a code was looked up lately, never whether
it exists. The rendered card (no personal data, no CSRF token) is cached per code and language with
the item's version (last change, last timeline event). The portal's own writes (loss, recovery,
transfers, service receptions) invalidate both at once; other changes show within CODE_CACHE_SECONDS.

Look-ups are logged: the "jewelcrm.portal.public" logger for all, PublicLookup rows (brand-scoped) for
codes of a known brand, buffered in Redis and written in batches of LOOKUP_BATCH.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation

from jewelcrm.tenancy.context import brand_context
from warranties.portal import codes, ratelimit, selectors

logger = logging.getLogger("jewelcrm.portal.public")

CODE_CACHE_SECONDS = 60
CARD_CACHE_SECONDS = 300
LOOKUP_LOG_KEY = "portal:lookups"


@dataclass(frozen=True)
class Resolved:
    code: str
    brand: Any  # Brand | None
    item_id: int | None
    version: str


def _code_key(code: str) -> str:
    return f"portal:code:{code or '-'}"


def _card_key(code: str, language: str) -> str:
    return f"portal:card:{code or '-'}:{language}"


def invalidate(*, item: Any) -> None:
    """Forget the cached resolution and cards of an item's code (after a change the page must show)."""
    keys = [_code_key(item.public_code)] + [_card_key(item.public_code, lang) for lang, _name in settings.LANGUAGES]
    cache.delete_many(keys)


def _resolve_uncached(code: str) -> Resolved:
    _code, brand = selectors.public_brand_for_code(raw_code=code)
    with brand_context(brand.pk if brand is not None else selectors.NO_BRAND_ID):
        item_id, version = selectors.public_item_locate(code=code)
    return Resolved(code=code, brand=brand, item_id=item_id, version=version)


def _build_card(resolved: Resolved, language: str) -> dict[str, str] | None:
    from warranties.portal.forms import FoundForm

    with brand_context(resolved.brand):
        page = selectors.public_item_page(brand=resolved.brand, item_id=resolved.item_id)  # type: ignore[arg-type]
        if page is None:
            return None
        context = {"page": page, "portal_brand": resolved.brand, "form": FoundForm()}
        return {
            "version": resolved.version,
            "title": page["product_name_fr"] if language == "fr" else page["product_name_en"],
            "code": page["code"],
            "card_html": render_to_string("portal/_public_item_card.html", context),
            "found_fields_html": render_to_string("portal/_found_fields.html", context),
        }


def page_for(*, raw_code: str) -> tuple[Resolved, dict[str, str] | None]:
    """The resolution of a code and, for an existing item, its rendered card in the current language."""
    code = codes.normalise(raw_code) or ""
    language = translation.get_language() or settings.LANGUAGE_CODE
    code_key, card_key = _code_key(code), _card_key(code, language)
    cached = cache.get_many([code_key, card_key])
    resolved = cached.get(code_key)
    if resolved is None:
        resolved = _resolve_uncached(code)
        cache.set(code_key, resolved, CODE_CACHE_SECONDS)
    if resolved.item_id is None:
        return resolved, None
    card = cached.get(card_key)
    if card is None or card.get("version") != resolved.version:
        card = _build_card(resolved, language)
        if card is not None:
            cache.set(card_key, card, CARD_CACHE_SECONDS)
    return resolved, card


# --- Look-up log -----------------------------------------------------------------------------------


def lookup_batch() -> int:
    return int(getattr(settings, "PORTAL_PUBLIC_LOOKUP_BATCH", 50))


def log_lookup(*, resolved: Resolved, raw_code: str, ip: str | None) -> None:
    brand_id = resolved.brand.pk if resolved.brand is not None else None
    logger.info("public item lookup ip=%s brand=%s found=%s", ip, brand_id or "-", resolved.item_id is not None)
    if brand_id is None:
        return
    entry = [brand_id, (resolved.code or raw_code)[:40], resolved.item_id, ip, timezone.now().isoformat()]
    found = ratelimit.raw_redis(LOOKUP_LOG_KEY)
    if found is None:
        _write([entry])
        return
    client, key = found
    length = client.rpush(key, json.dumps(entry))  # type: ignore[attr-defined]
    if length >= lookup_batch():
        lookup_log_flush()


def lookup_log_flush() -> int:
    """Write the buffered look-ups to PublicLookup rows, brand by brand. Returns how many."""
    found = ratelimit.raw_redis(LOOKUP_LOG_KEY)
    if found is None:
        return 0
    client, key = found
    pipe = client.pipeline(transaction=True)  # type: ignore[attr-defined]
    pipe.lrange(key, 0, -1)
    pipe.delete(key)
    raw_entries, _deleted = pipe.execute()
    entries = [json.loads(raw) for raw in raw_entries]
    _write(entries)
    return len(entries)


def _write(entries: list[list[Any]]) -> None:
    from datetime import datetime

    from warranties.portal.models import PublicLookup

    by_brand: dict[int, list[list[Any]]] = {}
    for entry in entries:
        by_brand.setdefault(int(entry[0]), []).append(entry)
    for brand_id, rows in by_brand.items():
        with brand_context(brand_id):
            PublicLookup.objects.bulk_create([
                PublicLookup(brand_id=brand_id, code=code, item_id=item_id, ip=ip, at=datetime.fromisoformat(at))
                for _b, code, item_id, ip, at in rows
            ])
