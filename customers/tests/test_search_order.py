"""A search's pages in the order of the search-term index (ADR 0048): by the word matched, then by name,
each profile once, the same set as the search, stable across pages, a fixed number of statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.search_terms import ordered_page, search_terms_of
from customers.selectors import customer_search
from customers.services import customer_create, customer_update
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _all_pages(brand, query, size=3):
    seen, key = [], None
    while True:
        rows, count = ordered_page(brand_id=brand.pk, query=query, after=key, size=size)
        seen += [row[3] for row in rows[:size]]
        if len(rows) <= size:
            return seen, count
        key = list(rows[size - 1])


def _people(brand):
    made = {}
    for n, (first, last) in enumerate(
        [
            ("Zoé", "Martinez"),
            ("Ana", "Martin"),
            ("Émile", "Martin"),
            ("Bob", "Martin"),
            ("Martine", "Dupont"),
            ("Marc", "Martinez"),
            ("Martin", "Martinez"),  # two words starting with "mart": listed once, at "martin"
            ("Léa", "Dubois"),
        ]
    ):
        made[f"{first} {last}"] = customer_create(
            brand=brand, first_name=first, last_name=last, email=f"p{n}@example.test"
        )
    return made


def test_pages_by_the_word_matched_then_the_name(brand):
    with brand_context(brand):
        made = _people(brand)
        ids, count = _all_pages(brand, "mart")
        names = {c.pk: name for name, c in made.items()}
        assert [names[pk] for pk in ids] == [
            "Ana Martin", "Bob Martin", "Émile Martin", "Martin Martinez",  # "martin", by folded "last first"
            "Martine Dupont",  # "martine"
            "Marc Martinez", "Zoé Martinez",  # "martinez"
        ]  # fmt: skip
        assert count == 7
        assert sorted(ids) == sorted(customer_search(brand=brand, query="mart").values_list("pk", flat=True))


def test_an_email_or_phone_match_comes_first_and_two_words_intersect(brand):
    with brand_context(brand):
        made = _people(brand)
        found = customer_create(
            brand=brand, first_name="Paul", last_name="Petit", email="martin.p@example.test"
        )
        ids, _count = _all_pages(brand, "martin")
        assert ids[0] == found.pk
        assert len(ids) == len(set(ids)) == 8
        ids, count = _all_pages(brand, "martinez ma")
        assert ids == [made["Marc Martinez"].pk, made["Martin Martinez"].pk, made["Zoé Martinez"].pk]
        assert sorted(ids) == sorted(
            customer_search(brand=brand, query="martinez ma").values_list("pk", flat=True)
        )
        assert count == 3


def test_the_sort_key_follows_the_name(brand):
    with brand_context(brand):
        customer = customer_create(brand=brand, first_name="Ana", last_name="Martin", email="a@example.test")
        customer_update(brand=brand, customer=customer, data={"last_name": "Ørsted"}, source="store")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT sort_name FROM customers_search_term WHERE customer_id = %s AND kind = 'n'",
                [customer.pk],
            )
            assert cursor.fetchall() == [("orsted ana",)]
        assert ("n", "orsted") in search_terms_of(brand_id=brand.pk, customer_id=customer.pk)


def test_a_search_page_has_a_fixed_number_of_statements(brand):
    with brand_context(brand):
        _people(brand)
        with CaptureQueriesContext(connection) as few:
            ordered_page(brand_id=brand.pk, query="mart", size=2)
        for n in range(40):
            customer_create(
                brand=brand, first_name="Marie", last_name=f"Martin{n}", email=f"m{n}@example.test"
            )
        with CaptureQueriesContext(connection) as many:
            rows, count = ordered_page(brand_id=brand.pk, query="mart", size=2)
        assert len(few.captured_queries) == len(many.captured_queries) == 1
        assert count == 47
