"""Django's Redis cache, with one Redis client per connection pool instead of one per call, and a public
way to that client for commands the cache API has no word for.

Django's RedisCacheClient builds a new `redis.Redis` (and its table of several hundred response
callbacks) for every cache operation; the pool behind it is already shared. A client over a pool is
thread-safe, so each pool keeps one.

`RedisCache.redis()` and `RedisCache.loads()` are this backend's public API for the rate-limit counters
and the public page's one-round-trip pipeline (INCR, EXPIRE NX, RPUSH, MGET); nothing outside this module
touches the backend's private attributes.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
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


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def redis(self) -> Any:
        """The Redis client of this cache (the one every cache call uses), for pipelines."""
        return self._cache.get_client(None, write=True)

    def loads(self, raw: Any) -> Any:
        """A value read with the client above, decoded as the cache stores it."""
        return cast(RedisCacheClient, self._cache).loads(raw)
