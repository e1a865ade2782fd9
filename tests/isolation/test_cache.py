"""ISO-09: a cache warmed by brand A and read by brand B gives 0 bytes of A; every cache and rate-limit
key the product builds while serving a brand holds that brand's id or its public-code prefix (the public
page's keys: `portal:prefix:ZVQG`, `portal:page:ZVQG-…:en`), but for a reviewed list of keys that hold no
brand data.

The keys are recorded at the cache backend (`make_key`, which every get, set, add, incr and delete goes
through) and at the rate limiter (`jewelcrm.ratelimit.count`, which may talk to Redis directly) while both
brands' pages are served: home tiles, the customer list and its filters, the public item page, the owner
portal's sign-in, and an API call with a key."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from customers.tests.factories import CustomerFactory
from jewelcrm import ratelimit
from tests.factories import BrandFactory
from warranties.portal.tests.factories import owned_item

pytestmark = pytest.mark.django_db

# Keys without a brand id, each reviewed: what it holds, and why it cannot give one brand's data to another.
BRANDLESS = {
    r"^portal:lookups$": "a buffer of public look-ups (code, time, IP), written to each code's brand",
    r"^portal:rl:(public|found):-:": "per-IP limits of the public page (one visitor, every brand's codes)",
    r"^accounts:rl:password-reset:-:": "per-IP limit of the password reset form, before any brand",
}


@pytest.fixture
def recorded(monkeypatch):
    keys: list[str] = []
    backend = caches["default"]
    make_key = backend.make_key

    def recording_make_key(key, version=None):
        keys.append(str(key))
        return make_key(key, version)

    monkeypatch.setattr(backend, "make_key", recording_make_key)
    count = ratelimit.count

    def recording_count(full_key, **kwargs):
        keys.append(full_key)
        return count(full_key, **kwargs)

    monkeypatch.setattr(ratelimit, "count", recording_count)
    return keys


def _serve(brand, client_for):
    """A brand's pages that use the cache or a rate limit, as its owner, a visitor and an owner of a piece."""
    owner = client_for(brand, "owner")
    assert owner.get(reverse("accounts:home"), follow=True).status_code == 200
    assert owner.get(reverse("customer360:list", kwargs={"brand_slug": brand.slug})).status_code == 200
    item = owned_item(brand=brand)
    visitor = Client()
    assert visitor.get(reverse("portal:public_item", kwargs={"code": item.public_code})).status_code == 200
    visitor.post(
        reverse("portal:sign_in", kwargs={"brand_slug": brand.slug}), {"email": "someone@example.test"}
    )


def _key_names_brand(key: str, brand) -> bool:
    """The brand's id as a segment, or its public-code prefix (a public code, or the prefix itself)."""
    segments = key.split(":")
    return str(brand.pk) in segments or any(
        s == brand.code_prefix or s.startswith(f"{brand.code_prefix}-") for s in segments
    )


def test_every_cache_and_rate_limit_key_holds_the_brand(recorded, brand, client_for):
    other = BrandFactory()
    for served in (brand, other):
        recorded.clear()
        _serve(served, client_for)
        assert recorded, "nothing touched the cache: the test no longer exercises it"
        unreviewed = sorted(
            {
                key
                for key in recorded
                if not _key_names_brand(key, served) and not any(re.search(p, key) for p in BRANDLESS)
            }
        )
        assert unreviewed == [], (
            "Cache or rate-limit keys without the brand (ISO-09): put the brand id in the key, or review "
            f"the key and add it to BRANDLESS with why it holds no brand data: {unreviewed}"
        )


def test_a_cache_warmed_by_one_brand_gives_nothing_to_another(brand, other_brand, client_for):
    CustomerFactory(brand=brand, tags=["Aurore-collectionneur"], country="JP")
    CustomerFactory(brand=other_brand, tags=["Leman-habitue"], country="CH")
    mine = client_for(brand, "owner").get(reverse("customer360:list", kwargs={"brand_slug": brand.slug}))
    assert "Aurore-collectionneur" in mine.content.decode()  # the brand's tag filter, now cached
    theirs = client_for(other_brand, "owner").get(
        reverse("customer360:list", kwargs={"brand_slug": other_brand.slug})
    )
    text = theirs.content.decode()
    assert "Leman-habitue" in text
    assert "Aurore-collectionneur" not in text
