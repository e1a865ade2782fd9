"""Fixed-window counters in the cache, for rate limits (the API keys, the owner portal's forms and public
page). A window opens with a key's first hit and lasts `window` seconds. Keys must include the brand id,
as every cache key does (or "-" when no brand is known).

On Redis, a hit is one round trip (INCR, EXPIRE NX and TTL in a pipeline) on the cache's own client;
on the local-memory cache of the embedded default, `cache.add` and `cache.incr`.

With Redis down a counter cannot count: `count(..., fail_open=True)` then allows the hit and logs it
(the API keys, whose callers are known; the public item page, which must answer), while the default
refuses it (forms that send e-mails to anyone: the portal's sign-in and claim links).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/m" -> (30, 60); "5/10m" -> (5, 600); "600/min" -> (600, 60)."""
    count, _, period = rate.partition("/")
    digits = "".join(ch for ch in period if ch.isdigit())
    unit = period.lstrip("0123456789")[:1] or "m"
    return int(count), int(digits or 1) * _UNITS[unit]


def raw_redis(full_key: str) -> tuple[Any, str] | None:
    """(redis client, real key) when the default cache is Redis, for atomic counters and lists; else None."""
    from django.core.cache import caches

    from jewelcrm.cache import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    key = backend.make_and_validate_key(full_key)
    return backend.redis(), key


def redis_client(backend: Any) -> Any:
    """The Redis client of a `jewelcrm.cache.RedisCache` (one per process and pool), for pipelines."""
    return backend.redis()


class CounterUnavailable(Exception):
    """Redis could not count the hit."""


def count(full_key: str, *, window: int, fail_open: bool = False) -> tuple[int, int]:
    """Count one hit of `full_key`: (hits in the current window, seconds until the window closes).

    Redis down: (0, 0) with a warning when `fail_open`, else CounterUnavailable."""
    found = raw_redis(full_key)
    if found is not None:
        client, key = found
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        pipe.ttl(key)
        try:
            hits, _set, ttl = pipe.execute()
        except RedisError as error:
            if not fail_open:
                raise CounterUnavailable(str(error)) from error
            log.warning("rate limit: Redis unavailable, %s allowed without counting (%s)", full_key, error)
            return 0, 0
        return int(hits), max(int(ttl), 0)
    if cache.add(full_key, 1, window):
        return 1, window
    try:
        hits = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, window)
        hits = 1
    return int(hits), window


def hit(full_key: str, *, rate: str, fail_open: bool = False) -> bool:
    """Count one hit; True while within the rate, False beyond it (and when Redis is down, unless
    `fail_open`)."""
    limit, window = parse_rate(rate)
    try:
        hits, _remaining = count(full_key, window=window, fail_open=fail_open)
    except CounterUnavailable as error:
        log.warning("rate limit: Redis unavailable, %s refused (%s)", full_key, error)
        return False
    return hits <= limit
