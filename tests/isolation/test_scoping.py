"""The application-level wall: scoped managers fail closed and pages answer 404 to foreign brands."""

import re

import pytest
from django.urls import reverse

from jewelcrm.retail.models import Store
from jewelcrm.tenancy.context import BrandContextMissing, brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_scoped_manager_refuses_to_query_without_brand(brand):
    StoreFactory(brand=brand)
    with pytest.raises(BrandContextMissing):
        list(Store.objects.all())


def test_scoped_manager_returns_only_the_brand_in_context(brand, other_brand):
    mine = StoreFactory(brand=brand, code="MINE")
    StoreFactory(brand=other_brand, code="THEIRS")
    with brand_context(brand):
        assert [s.code for s in Store.objects.all()] == [mine.code]


def test_foreign_brand_page_answers_like_a_missing_one(owner_client, other_brand):
    foreign = owner_client.get(reverse("accounts:dashboard", kwargs={"brand_slug": other_brand.slug}))
    missing = owner_client.get(reverse("accounts:dashboard", kwargs={"brand_slug": "no-such-brand"}))
    assert foreign.status_code == missing.status_code == 404

    # Identical but for the per-request CSRF token.
    def strip_token(body: bytes) -> bytes:
        return re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", body)

    assert strip_token(foreign.content).replace(other_brand.slug.encode(), b"SLUG") == strip_token(
        missing.content
    ).replace(b"no-such-brand", b"SLUG")


@pytest.mark.parametrize(
    ("role", "url_name", "expected"),
    [
        ("owner", "accounts:dashboard", 200),
        ("analyst", "accounts:dashboard", 200),
        ("sales_associate", "accounts:dashboard", 403),
        ("sales_associate", "accounts:intranet", 200),
        ("marketer", "accounts:intranet", 403),
    ],
)
def test_each_role_reaches_only_its_area(client_for, brand, role, url_name, expected):
    client = client_for(brand, role)
    response = client.get(reverse(url_name, kwargs={"brand_slug": brand.slug}))
    assert response.status_code == expected
