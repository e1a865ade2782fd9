"""The client book: dates (29 February, new year), suggestions, whose book."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from customers import clientbook
from customers.models import Customer
from customers.tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, RelationFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import MembershipFactory, StoreFactory


@pytest.mark.parametrize(
    ("original", "today", "expected"),
    [
        (date(1988, 2, 29), date(2027, 2, 1), date(2027, 2, 28)),  # common year: 28 February
        (date(1988, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),  # leap year: the day itself
        (date(1988, 2, 29), date(2027, 3, 1), date(2028, 2, 29)),  # passed: next year, a leap one
        (date(1990, 1, 5), date(2026, 12, 20), date(2027, 1, 5)),  # across the new year
        (date(1990, 12, 20), date(2026, 12, 20), date(2026, 12, 20)),  # today counts
    ],
)
def test_next_occurrence(original, today, expected):
    assert clientbook.next_occurrence(original, today) == expected


@pytest.mark.django_db
def test_upcoming_dates_of_customers_and_relations_in_the_window_across_the_new_year(brand):
    today = date(2026, 12, 20)
    ana = CustomerFactory(
        brand=brand, first_name="Ana", birth_date=date(1980, 1, 5), wedding_anniversary=date(2010, 12, 31)
    )
    RelationFactory(
        brand=brand, customer=ana, name="Léo", birth_date=date(2016, 2, 29), anniversary=None
    )  # too far
    RelationFactory(brand=brand, customer=ana, name="Paul", birth_date=None, anniversary=date(2001, 1, 19))
    CustomerFactory(brand=brand, birth_date=date(1980, 1, 20))  # day 31: outside
    CustomerFactory(brand=brand, birth_date=date(1980, 12, 19))  # yesterday: next year
    with brand_context(brand):
        found = clientbook.upcoming_dates(
            brand=brand, customers=Customer.objects.filter(brand=brand), today=today
        )
    assert [(d.on, d.kind, d.relation_name, d.years) for d in found] == [
        (date(2026, 12, 31), "wedding_anniversary", "", 16),
        (date(2027, 1, 5), "birthday", "", 47),
        (date(2027, 1, 19), "relation_anniversary", "Paul", 26),
    ]


@pytest.mark.django_db
def test_29_february_birthday_shows_on_28_february_in_a_common_year(brand):
    CustomerFactory(brand=brand, birth_date=date(1992, 2, 29))
    with brand_context(brand):
        found = clientbook.upcoming_dates(
            brand=brand, customers=Customer.objects.filter(brand=brand), today=date(2027, 2, 10)
        )
    assert [(d.on, d.kind) for d in found] == [(date(2027, 2, 28), "birthday")]


def _customer(**kwargs):
    return Customer(
        first_name="Ana", last_name="David", created_at=datetime(2020, 1, 1, tzinfo=UTC), **kwargs
    )


@pytest.mark.parametrize(
    ("customer", "last_purchase", "expected"),
    [
        (_customer(), date(2026, 4, 30), "follow_up"),  # 6 months and a day ago
        (_customer(), date(2026, 5, 2), ""),  # not yet 6 months
        (_customer(last_contacted_on=date(2026, 9, 1)), date(2026, 1, 1), ""),  # contacted since
        (_customer(customer_since=date(2026, 10, 20)), None, "welcome"),
        (_customer(customer_since=date(2026, 10, 20), last_contacted_on=date(2026, 10, 21)), None, ""),
    ],
)
def test_suggested_next_contact(customer, last_purchase, expected):
    kind, _sentence = clientbook.suggest(
        customer=customer, last_purchase=last_purchase, dates=[], today=date(2026, 11, 1)
    )
    assert kind == expected


@pytest.mark.django_db
def test_book_of_an_associate_and_of_a_manager(brand):
    store, other_store = StoreFactory(brand=brand), StoreFactory(brand=brand)
    associate = MembershipFactory(brand=brand, role="sales_associate", store=store)
    manager = MembershipFactory(brand=brand, role="retail_manager", store=store)
    assigned = CustomerFactory(brand=brand, assigned_associate=associate.user, home_store=other_store)
    of_store = CustomerFactory(brand=brand, home_store=store)
    CustomerFactory(brand=brand, home_store=other_store)
    CustomerFactory(brand=brand, home_store=store, merged_into=of_store)
    with brand_context(brand):
        assert set(clientbook.book_customers(brand=brand, membership=associate)) == {assigned}
        assert set(clientbook.book_customers(brand=brand, membership=manager)) == {of_store}


@pytest.mark.django_db
def test_client_book_page_lists_dates_last_purchase_and_suggestion(client_for, brand, store):
    client = client_for(brand, "sales_associate", store)
    today = timezone.localdate()
    soon = today.replace(year=1985) if not (today.month == 2 and today.day == 29) else date(1985, 2, 28)
    customer = CustomerFactory(
        brand=brand,
        first_name="Ana",
        last_name="David",
        birth_date=soon,
        assigned_associate=client.user,
        notes="Ring size 52",
    )
    OrderFactory(brand=brand, customer=customer, ordered_at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    CustomerFactory(brand=brand, first_name="Not", last_name="Mine")
    response = client.get(reverse("customers:client_book", kwargs={"brand_slug": brand.slug}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ana David" in body and "Not Mine" not in body
    assert "Ring size 52" in body
    assert "suggest a gift or send wishes" in body
    assert [e.last_purchase for e in response.context["entries"]] == [date(2024, 5, 1)]


@pytest.mark.django_db
def test_mark_contacted_only_for_a_customer_of_my_book(client_for, brand, store):
    client = client_for(brand, "sales_associate", store)
    mine = CustomerFactory(brand=brand, assigned_associate=client.user)
    not_mine = CustomerFactory(brand=brand)
    url = lambda c: reverse("customers:mark_contacted", kwargs={"brand_slug": brand.slug, "pk": c.pk})  # noqa: E731
    assert client.post(url(not_mine)).status_code == 404
    assert client.post(url(mine)).status_code == 302
    with brand_context(brand):
        assert Customer.objects.get(pk=mine.pk).last_contacted_on == timezone.localdate()
        assert Customer.objects.get(pk=not_mine.pk).last_contacted_on is None


@pytest.mark.django_db
def test_client_book_has_a_fixed_query_count(client_for, brand, store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(brand, "retail_manager", store)
    target = reverse("customers:client_book", kwargs={"brand_slug": brand.slug})

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(target).status_code == 200
        return len(ctx.captured_queries)

    CustomerFactory(brand=brand, home_store=store, birth_date=timezone.localdate())
    few = count()
    for _ in range(8):
        customer = CustomerFactory(brand=brand, home_store=store, birth_date=timezone.localdate())
        RelationFactory(brand=brand, customer=customer, birth_date=timezone.localdate())
        OrderFactory(brand=brand, customer=customer)
    assert count() == few


@pytest.mark.django_db
def test_service_due_after_the_products_interval_unless_contacted_since(brand):
    from tests.factories import ProductFactory

    watch = ProductFactory(brand=brand, service_interval_months=24, name_en="Léman 38")
    ring = ProductFactory(brand=brand, service_interval_months=None)
    due = CustomerFactory(brand=brand)
    contacted = CustomerFactory(brand=brand, last_contacted_on=date(2026, 6, 1))
    recent = CustomerFactory(brand=brand)
    for customer, bought, product in (
        (due, datetime(2024, 3, 1, tzinfo=UTC), watch),
        (contacted, datetime(2024, 3, 1, tzinfo=UTC), watch),
        (recent, datetime(2025, 3, 1, tzinfo=UTC), watch),
        (recent, datetime(2020, 3, 1, tzinfo=UTC), ring),
    ):
        OrderLineFactory(
            brand=brand,
            order=OrderFactory(brand=brand, customer=customer, ordered_at=bought),
            product=product,
            name=product.name_en,
        )
    with brand_context(brand):
        found = clientbook.services_due(
            brand=brand, customers=Customer.objects.all(), today=date(2026, 11, 1)
        )
    assert found == {
        due.pk: clientbook.ServiceDue(
            product="Léman 38", bought_on=date(2024, 3, 1), due_on=date(2026, 3, 1)
        ),
        contacted.pk: clientbook.ServiceDue(
            product="Léman 38", bought_on=date(2024, 3, 1), due_on=date(2026, 3, 1)
        ),
    }
    kinds = {
        c.pk: clientbook.suggest(
            customer=c, last_purchase=None, dates=[], today=date(2026, 11, 1), service_due=found.get(c.pk)
        )[0]
        for c in (due, contacted)
    }
    assert kinds == {due.pk: "service", contacted.pk: ""}


def test_client_book_is_paginated_and_names_open_the_owner(client_for, brand, store):
    client = client_for(brand, "sales_associate", store)
    for n in range(30):
        CustomerFactory(
            brand=brand, assigned_associate=client.user, last_name=f"Name{n:02}", email=f"c{n}@example.com"
        )
    book = reverse("customers:client_book", kwargs={"brand_slug": brand.slug})
    first = client.get(book)
    assert len(first.context["entries"]) == 25
    assert first.context["page_obj"].paginator.count == 30
    second = client.get(book, {"page": 2})
    assert len(second.context["entries"]) == 5
    body = second.content.decode()
    lookup = reverse("warranties:lookup", kwargs={"brand_slug": brand.slug})
    shown = second.context["entries"][0].customer
    assert f'href="{lookup}?q={shown.email.replace("@", "%40")}" data-testid="book-name"' in body
