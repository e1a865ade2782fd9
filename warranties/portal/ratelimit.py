"""A small fixed-window counter in the cache. Keys always include the brand id (or "-" when unknown)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/m" -> (30, 60); "5/10m" -> (5, 600)."""
    count, _, period = rate.partition("/")
    unit = period[-1:] or "m"
    multiplier = int(period[:-1] or 1)
    return int(count), multiplier * _UNITS[unit]


def raw_redis(full_key: str) -> tuple[object, str] | None:
    """(redis client, real key) when the default cache is Redis, for atomic counters and lists; else None."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    key = backend.make_and_validate_key(full_key)
    return redis_client(backend), key


_clients: dict[int, object] = {}


def redis_client(backend: object) -> object:
    """One client per process and cache backend (Django builds a new one, with its ~500 response
    callbacks, at every call; the connection pool behind it is shared and thread-safe)."""
    pool_owner = backend._cache  # type: ignore[attr-defined]
    client = _clients.get(id(pool_owner))
    if client is None:
        client = _clients[id(pool_owner)] = pool_owner.get_client(None, write=True)
    return client


def _redis_count_backend(full_key: str, window: int) -> int | None:
    """INCR and EXPIRE NX in one round trip when the cache is Redis; None otherwise."""
    found = raw_redis(full_key)
    if found is None:
        return None
    client, key = found
    pipe = client.pipeline(transaction=False)  # type: ignore[attr-defined]
    pipe.incr(key)
    pipe.expire(key, window, nx=True)
    count, _ = pipe.execute()
    return int(count)


def hit(key: str, *, rate: str) -> bool:
    """Count one hit; True while within the rate, False beyond it."""
    limit, window = parse_rate(rate)
    full_key = f"portal:rl:{key}"
    count = _redis_count_backend(full_key, window)
    if count is not None:
        return count <= limit
    if cache.add(full_key, 1, window):
        return limit >= 1
    try:
        count = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, window)
        count = 1
    return count <= limit


def setting(name: str, default: str) -> str:
    return str(getattr(settings, name, default) or default)


def public_lookup_rate() -> str:
    return setting("PORTAL_PUBLIC_LOOKUP_RATE", "30/m")


def sign_in_email_rate() -> str:
    return setting("PORTAL_SIGN_IN_EMAIL_RATE", "5/h")


def sign_in_ip_rate() -> str:
    return setting("PORTAL_SIGN_IN_IP_RATE", "20/h")


def form_ip_rate() -> str:
    return setting("PORTAL_FORM_IP_RATE", "10/h")
