"""The platform's cache pieces: fixed-window counters and the Redis cache client."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from jewelcrm import ratelimit

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis")


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("30/m", (30, 60)), ("5/10m", (5, 600)), ("600/min", (600, 60)), ("5/h", (5, 3600)), ("2/s", (2, 1))],
)
def test_rates_read_both_spellings(rate, expected):
    assert ratelimit.parse_rate(rate) == expected


def test_a_window_counts_hits_then_refuses_beyond_the_rate():
    key = f"test:rl:{uuid.uuid4().hex}"
    assert [ratelimit.hit(key, rate="3/m") for _ in range(5)] == [True, True, True, False, False]
    hits, remaining = ratelimit.count(key, window=60)
    assert hits == 6 and 0 < remaining <= 60
    assert ratelimit.hit(f"test:rl:{uuid.uuid4().hex}", rate="3/m") is True  # another key, its own window


@needs_redis
def test_the_window_closes_after_its_length():
    key = f"test:rl:{uuid.uuid4().hex}"
    ratelimit.count(key, window=1)
    client, real_key = ratelimit.raw_redis(key)
    assert 0 < client.pttl(real_key) <= 1000
    ratelimit.count(key, window=60)  # a later hit does not stretch the window
    assert 0 < client.pttl(real_key) <= 1000


@needs_redis
def test_the_redis_cache_keeps_one_client_per_pool():
    assert cache.redis() is cache.redis()  # one client for the pool
    assert ratelimit.raw_redis("k")[0] is cache.redis()  # the counters share it
    key = f"test:cache:{uuid.uuid4().hex}"
    cache.set(key, {"n": 1}, 30)
    assert cache.get(key) == {"n": 1}
    assert cache.delete(key) is True and cache.get(key) is None
