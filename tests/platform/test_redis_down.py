"""No single point of failure at the counter: with Redis down, a store still registers a sale (the API
key's rate counter fails open with a log line, the cache forgets nothing and raises nothing, the e-mail
waits in the send log) and the public item page is built from the database."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

from jewelcrm.accounts.services import api_key_create
from jewelcrm.messaging.models import Message
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory
from tests.redis_server import RedisServer, broker_at
from warranties.inventory.tests.factories import ItemFactory
from warranties.models import Registration

pytestmark = [
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis"),
]

PORT = 7301


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test (port 7301) behind the cache, the counters and the Celery broker."""
    server = RedisServer(port=PORT, directory=tmp_path).start()
    cache_settings = {"default": {"BACKEND": "jewelcrm.cache.RedisCache", "LOCATION": server.url}}
    try:
        with broker_at(server.url), override_settings(CACHES=cache_settings, REDIS_URL=server.url):
            yield server
    finally:
        server.stop()
        caches["default"].close()


def _sale(client, brand, item, store, key):
    body = {
        "serial": item.serial,
        "store": store.code,
        "price_paid": "990.00",
        "currency": "EUR",
        "customer": {"email": f"{key}@example.test", "first_name": "Léo", "last_name": "Blanc"},
        "consents": ["email"],
    }
    return client.post(
        f"/api/v1/{brand.slug}/registrations/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_with_redis_down_a_store_registers_a_sale_and_the_public_page_answers(
    transactional_db, brand, own_redis, caplog
):
    store = StoreFactory(brand=brand)
    sold_before, item = (
        ItemFactory(brand=brand, current_store=store),
        ItemFactory(brand=brand, current_store=store),
    )
    with brand_context(brand):
        _key, raw = api_key_create(brand=brand, name="POS")
    pos = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    # Redis up: a sale, and the public page of the next piece cached.
    assert _sale(pos, brand, sold_before, store, "sale-1").status_code == 201
    public = Client()
    url = reverse("portal:public_item", kwargs={"code": item.public_code})
    before = public.get(url)
    assert before.status_code == 200 and "Not sold yet" in before.content.decode()
    assert list(caches["default"].get_many([f"portal:page:{item.public_code}:en"])) == [
        f"portal:page:{item.public_code}:en"
    ]

    own_redis.stop()
    caplog.set_level(logging.WARNING)
    response = _sale(pos, brand, item, store, "sale-2")
    assert response.status_code == 201, response.content
    with brand_context(brand):
        registration = Registration.objects.get(item=item)
        # The confirmation e-mail waits in the send log for the relay (the broker is down too).
        message = Message.objects.get(key=f"registration:{registration.pk}")
        assert (message.status, message.to) == ("pending", "sale-2@example.test")
    logged = caplog.text
    assert "rate limit: Redis unavailable" in logged and f"brand:{brand.pk}" in logged
    assert "could not enqueue message" in logged

    page = public.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    # Built from the database: the sale shows (the cached "not sold" page is not what answers).
    assert "Not sold yet" not in text and f"{store.city}, " in text and 'data-testid="owners">1<' in text
    assert "public item lookup: Redis unavailable" in caplog.text


def test_with_redis_down_the_cache_reads_miss_and_writes_do_nothing(own_redis):
    cache = caches["default"]
    cache.set("probe", 1, 60)
    assert cache.get("probe") == 1
    own_redis.stop()
    assert cache.get("probe") is None and cache.get("probe", "default") == "default"
    assert cache.get_many(["probe"]) == {}
    assert cache.add("other", 1) is False
    cache.set("probe", 2)
    cache.delete("probe")
    cache.delete_many(["probe"])
    with pytest.raises(ValueError):
        cache.incr("probe")


def test_with_redis_down_counters_fail_open_only_when_asked(own_redis):
    from jewelcrm import ratelimit

    own_redis.stop()
    assert ratelimit.hit("brand:1:key", rate="1/m", fail_open=True) is True
    assert ratelimit.hit("brand:1:key", rate="1/m") is False
