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


@pytest.mark.django_db
def test_a_list_cursor_of_another_brand_pages_only_through_this_brand(brand, other_brand):
    """ISO-12, the customer list's one raw SQL condition (warranties/customer_360/selectors.py): the keyset
    cursor is a signed tuple of sort values; one made while paging brand B, replayed on brand A's list,
    only moves the starting point: every row is brand A's."""
    from customers.tests.factories import CustomerFactory
    from warranties.customer_360.selectors import ListFilters, customer_page

    mine = {CustomerFactory(brand=brand, last_name=f"A{i:02d}").pk for i in range(5)}
    for i in range(5):
        CustomerFactory(brand=other_brand, last_name=f"A{i:02d}x")
    filters = ListFilters()
    with brand_context(other_brand):
        theirs = customer_page(brand=other_brand, filters=filters, size=2)
    assert theirs.next_cursor
    with brand_context(brand):
        page = customer_page(brand=brand, filters=filters, after=theirs.next_cursor, size=10)
        first = customer_page(brand=brand, filters=filters, size=10)
    assert {c.pk for c in page.customers} <= mine and page.customers
    assert {c.brand_id for c in page.customers} == {brand.pk}
    assert {c.pk for c in first.customers} == mine and first.count == 5
