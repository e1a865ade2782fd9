"""The public item page's engine: resolution of a code, the rendered page, the look-up log.

Constant work. The resolution of a code (known or not, its brand prefix known or not) is cached under
the canonical code for CODE_CACHE_SECONDS: the first look-up of any code costs the brand (short cache)
plus one item query inside the brand's context (or inside a brand that never exists), a repeated
look-up of any code one cache read. The timing tells whether a code was looked up lately, never whether
it exists.

One round trip. The rate-limit counter, the cached resolution, the cached page and the look-up log entry
travel in one Redis pipeline; the page itself is rendered once per code and language (no personal data),
with placeholders for the visitor's CSRF token and address, filled in per request. The cached page
carries the item's version (last change, last timeline event). Every public timeline event (sale, service,
transfer, loss, recovery), whichever app writes it, invalidates the cache at once
(warranties.inventory.public_cache); a change without a public event shows within CODE_CACHE_SECONDS.

Logged. Every look-up goes to the "jewelcrm.portal.public" logger, and to a Redis list that is written
to PublicLookup rows (brand-scoped, for codes of a known brand) in batches of LOOKUP_BATCH.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from redis.exceptions import RedisError

from jewelcrm.tenancy.context import brand_context
from warranties.inventory import public_cache
from warranties.portal import codes, ratelimit, selectors

logger = logging.getLogger("jewelcrm.portal.public")

CODE_CACHE_SECONDS = 60
PAGE_CACHE_SECONDS = 300
LOOKUP_LOG_KEY = "portal:lookups"
CSRF_PLACEHOLDER = "@@portal-csrf-token@@"
PATH_PLACEHOLDER = "@@portal-request-path@@"


@dataclass(frozen=True)
class Resolved:
    """Kept small (it is read from the cache at every look-up): the brand by id, not the model."""

    code: str
    brand_id: int | None
    item_id: int | None
    version: str

    @property
    def brand(self) -> Any:
        from jewelcrm.accounts.models import Brand

        return Brand.objects.filter(pk=self.brand_id).first() if self.brand_id else None


@dataclass
class Lookup:
    allowed: bool
    resolved: Resolved | None = None
    page: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_code_key = public_cache.code_key
_page_key = public_cache.page_key


def _resolve_uncached(code: str) -> Resolved:
    _code, brand = selectors.public_brand_for_code(raw_code=code)
    with brand_context(brand.pk if brand is not None else selectors.NO_BRAND_ID):
        item_id, version = selectors.public_item_locate(code=code)
    return Resolved(
        code=code, brand_id=brand.pk if brand is not None else None, item_id=item_id, version=version
    )


class _PlaceholderRequest:
    """Stands for the visitor's request while the shared page is rendered."""

    def get_full_path(self) -> str:
        return PATH_PLACEHOLDER


def _build_page(
    resolved: Resolved, language: str, request: HttpRequest
) -> tuple[dict[str, str], dict[str, Any]] | None:
    """(the shared anonymous page, the parts for a signed-in visitor's own rendering), or None."""
    from warranties.portal.forms import FoundForm

    brand = resolved.brand
    with brand_context(brand):
        page = selectors.public_item_page(brand=brand, item_id=resolved.item_id)  # type: ignore[arg-type]
        if page is None:
            return None
        context = {"page": page, "portal_brand": brand, "form": FoundForm()}
        card_html = render_to_string("portal/_public_item_card.html", context)
        found_fields_html = render_to_string("portal/_found_fields.html", context)
    title = page["product_name_fr"] if language == "fr" else page["product_name_en"]
    outer = page_context(
        brand=brand, title=title, code=page["code"], card_html=card_html, found_fields_html=found_fields_html
    )
    # Rendered as an anonymous visitor; the CSRF token and the address are filled in per request.
    html = render_to_string(
        "portal/public_item.html",
        {
            **outer,
            "csrf_token": CSRF_PLACEHOLDER,
            "request": _PlaceholderRequest(),
            "user": _Anonymous(),
            "messages": [],
        },
        request=request,
    )
    return {"version": resolved.version, "html": html}, outer


class _Anonymous:
    is_authenticated = False


def page_context(
    *, brand: Any, title: str, code: str, card_html: str, found_fields_html: str
) -> dict[str, Any]:
    from django.utils.safestring import mark_safe

    return {
        "portal_brand": brand,
        "title": title,
        "code": code,
        # Both were rendered by our own templates, with autoescaping.
        "card_html": mark_safe(card_html),  # noqa: S308
        "found_fields_html": mark_safe(found_fields_html),  # noqa: S308
    }


def personalise(*, page: dict[str, str], request: HttpRequest) -> str:
    """The shared page with this visitor's CSRF token and address."""
    return (
        page["html"]
        .replace(CSRF_PLACEHOLDER, get_token(request))
        .replace(PATH_PLACEHOLDER, escape(request.get_full_path()))
    )


def _log_entry(code: str, raw_code: str, ip: str | None) -> str:
    return json.dumps([code or raw_code[:40], ip, timezone.now().isoformat()])


def lookup(*, raw_code: str, ip: str | None, request: HttpRequest) -> Lookup:
    """Rate limit, resolution, page and log of one look-up of the public page."""
    from jewelcrm.cache import RedisCache

    code = codes.normalise(raw_code) or ""
    language = translation.get_language() or settings.LANGUAGE_CODE
    limit, window = ratelimit.parse_rate(ratelimit.public_lookup_rate())
    backend = caches["default"]
    redis_down = False
    if isinstance(backend, RedisCache):
        rl_key = backend.make_and_validate_key(f"portal:rl:public:-:{ip}")
        code_key = backend.make_and_validate_key(_code_key(code))
        page_key = backend.make_and_validate_key(_page_key(code, language))
        log_key = backend.make_and_validate_key(LOOKUP_LOG_KEY)
        pipe = backend.redis().pipeline(transaction=False)
        pipe.incr(rl_key)
        pipe.expire(rl_key, window, nx=True)
        pipe.mget(code_key, page_key)
        pipe.rpush(log_key, _log_entry(code, raw_code, ip))
        try:
            count, _expire, (raw_resolved, raw_page), log_length = pipe.execute()
        except RedisError as error:
            # Redis down: the page is built from the database, the look-up logged there at once, and the
            # visitor let through uncounted (logged), so the page keeps answering.
            logger.warning("public item lookup: Redis unavailable, served from the database (%s)", error)
            redis_down = True
            count, raw_resolved, raw_page, log_length = 0, None, None, 0
            _write([json.loads(_log_entry(code, raw_code, ip))])
        loads = backend.loads
        resolved = loads(raw_resolved) if raw_resolved is not None else None
        page = loads(raw_page) if raw_page is not None else None
        allowed = int(count) <= limit
    else:
        allowed = ratelimit.hit(f"public:-:{ip}", rate=ratelimit.public_lookup_rate())
        cached = cache.get_many([_code_key(code), _page_key(code, language)])
        resolved, page = cached.get(_code_key(code)), cached.get(_page_key(code, language))
        # The local-memory cache (one process, no Redis) buffers the log the same way.
        buffered = [*(cache.get(LOOKUP_LOG_KEY) or []), _log_entry(code, raw_code, ip)]
        cache.set(LOOKUP_LOG_KEY, buffered, None)
        log_length = len(buffered)
    logger.info("public item lookup ip=%s code_valid=%s allowed=%s", ip, bool(code), allowed)
    if log_length >= lookup_batch() and not redis_down:
        lookup_log_flush()
    if not allowed:
        return Lookup(allowed=False)
    if resolved is None:
        resolved = _resolve_uncached(code)
        cache.set(_code_key(code), resolved, CODE_CACHE_SECONDS)
    if resolved.item_id is None:
        return Lookup(allowed=True, resolved=resolved)
    if page is None or page.get("version") != resolved.version:
        built = _build_page(resolved, language, request)
        if built is None:
            return Lookup(allowed=True, resolved=resolved)
        page = built[0]
        cache.set(_page_key(code, language), page, PAGE_CACHE_SECONDS)
    return Lookup(allowed=True, resolved=resolved, page=page)


def page_parts(*, resolved: Resolved, request: HttpRequest) -> dict[str, Any] | None:
    """The context of the page for a signed-in visitor (rendered with their own header; not cached)."""
    built = _build_page(resolved, translation.get_language() or settings.LANGUAGE_CODE, request)
    return built[1] if built is not None else None


# --- Look-up log -----------------------------------------------------------------------------------


def lookup_batch() -> int:
    return int(getattr(settings, "PORTAL_PUBLIC_LOOKUP_BATCH", 50))


def lookup_log_flush() -> int:
    """Write the buffered look-ups to PublicLookup rows, brand by brand. Returns how many were read."""
    found = ratelimit.raw_redis(LOOKUP_LOG_KEY)
    if found is None:
        raw_entries = cache.get(LOOKUP_LOG_KEY) or []
        cache.delete(LOOKUP_LOG_KEY)
    else:
        client, key = found
        pipe = client.pipeline(transaction=True)
        pipe.lrange(key, 0, -1)
        pipe.delete(key)
        raw_entries, _deleted = pipe.execute()
    entries = [json.loads(raw) for raw in raw_entries]
    _write(entries)
    return len(entries)


def _write(entries: list[list[Any]]) -> None:
    """Entries are [code, ip, iso time]; codes of an unknown brand are dropped (the logger has them)."""
    from datetime import datetime

    from jewelcrm.accounts.models import Brand
    from warranties.inventory.models import Item
    from warranties.portal.models import PublicLookup

    by_prefix: dict[str, list[list[Any]]] = {}
    for entry in entries:
        prefix = codes.prefix(entry[0]) if codes.normalise(entry[0]) else ""
        if prefix:
            by_prefix.setdefault(prefix, []).append(entry)
    if not by_prefix:
        return
    brands = {b.code_prefix: b for b in Brand.objects.filter(code_prefix__in=list(by_prefix), is_active=True)}
    for prefix, rows in by_prefix.items():
        brand = brands.get(prefix)
        if brand is None:
            continue
        with brand_context(brand):
            wanted = {code for code, _ip, _at in rows}
            items = dict(Item.objects.filter(public_code__in=wanted).values_list("public_code", "pk"))
            PublicLookup.objects.bulk_create(
                [
                    PublicLookup(
                        brand=brand, code=code, item_id=items.get(code), ip=ip, at=datetime.fromisoformat(at)
                    )
                    for code, ip, at in rows
                ]
            )
