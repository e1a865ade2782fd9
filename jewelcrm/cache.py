"""Django's Redis cache, best-effort, with one Redis client per connection pool instead of one per call,
and a public way to that client for commands the cache API has no word for.

- Django's RedisCacheClient builds a new `redis.Redis` (and its table of several hundred response
  callbacks) for every cache operation; the pool behind it is already shared. A client over a pool is
  thread-safe, so each pool keeps one.
- `RedisCache.redis()` and `RedisCache.loads()` are this backend's public API for the rate-limit counters
  and the public page's one-round-trip pipeline (INCR, EXPIRE NX, RPUSH, MGET); nothing outside this
  module touches the backend's private attributes. Their callers handle `RedisError` themselves.
- The cache is never a single point of failure: with Redis down or unreachable, reads miss, writes and
  deletes do nothing, `incr` raises ValueError like a missing key, and one warning is logged per call.
  The callers fall back to the database (the public item page) or fail open (rate counters, see
  jewelcrm/ratelimit.py). Short socket timeouts keep an unreachable Redis from holding a request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.core.cache.backends import redis as django_redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Seconds to connect to Redis and to wait for an answer before treating it as down.
SOCKET_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs = {**SOCKET_TIMEOUTS, **kwargs}
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's client internals (untyped in the stubs): the pool of this key, the redis class.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            # Pools live as long as this object (Django keeps them by index), so their ids stay valid.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client

    def loads(self, raw: Any) -> Any:
        return self._serializer.loads(raw)  # type: ignore[attr-defined]


def _best_effort(method: Callable[..., Any], fallback: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            log.warning("cache: Redis unavailable, %s skipped (%s)", method.__name__, error)
            return fallback(*args, **kwargs)

    wrapper.__name__ = method.__name__
    return wrapper


def _missing_key(*args: Any, **kwargs: Any) -> Any:
    raise ValueError("Key not found (cache unavailable)")


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    base = django_redis.RedisCache
    get = _best_effort(base.get, lambda key, default=None, version=None: default)
    get_many = _best_effort(base.get_many, lambda keys, version=None: {})
    has_key = _best_effort(base.has_key, lambda *a, **k: False)
    set = _best_effort(base.set, lambda *a, **k: None)
    set_many = _best_effort(base.set_many, lambda data, *a, **k: list(data))
    add = _best_effort(base.add, lambda *a, **k: False)
    touch = _best_effort(base.touch, lambda *a, **k: False)
    delete = _best_effort(base.delete, lambda *a, **k: False)
    delete_many = _best_effort(base.delete_many, lambda *a, **k: None)
    incr = _best_effort(base.incr, _missing_key)
    clear = _best_effort(base.clear, lambda *a, **k: None)
    del base

    def redis(self) -> Any:
        """The Redis client of this cache (the one every cache call uses), for pipelines."""
        return self._cache.get_client(None, write=True)

    def loads(self, raw: Any) -> Any:
        """A value read with the client above, decoded as the cache stores it."""
        return cast(RedisCacheClient, self._cache).loads(raw)
