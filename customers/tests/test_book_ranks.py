"""The client books' kept ranks (ADR 0049): the same rules as the suggestion, the book's order, pages with a
fixed number of statements, kept in step by the writes and the daily task, per brand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers import clientbook
from customers.book_ranks import _next_sql, book_ranks_refresh, brand_today
from customers.models import BookRank, Customer
from customers.services import customer_create, customer_mark_contacted, relation_save
from customers.tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, RelationFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
OLD = datetime(2020, 1, 1, tzinfo=UTC)


def _ago(today, months):
    return clientbook._months_before(today, months)


def _ranks(brand):
    with brand_context(brand):
        return dict(BookRank.objects.values_list("customer_id", "priority"))


@pytest.mark.parametrize(
    ("original", "today"),
    [
        (date(1988, 2, 29), date(2027, 2, 1)),
        (date(1988, 2, 29), date(2028, 2, 1)),
        (date(1988, 2, 29), date(2027, 3, 1)),
        (date(1990, 1, 5), date(2026, 12, 20)),
        (date(1990, 12, 20), date(2026, 12, 20)),
        (date(1990, 12, 19), date(2026, 12, 20)),
    ],
)
def test_the_sql_next_anniversary_is_the_python_one(original, today):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_next_sql('x.d', today)} FROM (SELECT %s::date AS d) x", [original])
        assert cursor.fetchone()[0] == clientbook.next_occurrence(original, today)


def _people(brand, today, **fields):
    """One customer per suggestion, and two with none, as clientbook.suggest sees them `today`."""
    watch = ProductFactory(brand=brand, service_interval_months=24)

    def person(last_name, **more):
        values = {"created_at": OLD, "customer_since": date(2020, 1, 1), **fields, **more}
        return CustomerFactory(brand=brand, last_name=last_name, **values)

    birthday = person("Zed", birth_date=(today + timedelta(days=15)).replace(year=1980))
    relation = person("Young")
    RelationFactory(
        brand=brand,
        customer=relation,
        birth_date=(today + timedelta(days=4)).replace(year=2012),
        anniversary=None,
    )
    service = person("Xavier")
    bought = datetime.combine(_ago(today, 25), datetime.min.time(), tzinfo=UTC)
    OrderLineFactory(
        brand=brand, order=OrderFactory(brand=brand, customer=service, ordered_at=bought), product=watch
    )
    follow = person("Walker")
    OrderFactory(
        brand=brand,
        customer=follow,
        ordered_at=datetime.combine(_ago(today, 10), datetime.min.time(), tzinfo=UTC),
    )
    welcome = person("Vidal", customer_since=today - timedelta(days=3))
    nothing = person("Adam")
    contacted = person("Brun", last_contacted_on=today - timedelta(days=1))
    OrderFactory(
        brand=brand,
        customer=contacted,
        ordered_at=datetime.combine(_ago(today, 10), datetime.min.time(), tzinfo=UTC),
    )
    return {
        "birthday": birthday, "relation": relation, "service": service, "follow": follow,
        "welcome": welcome, "nothing": nothing, "contacted": contacted,
    }  # fmt: skip


def test_ranks_follow_the_suggestion_rules(brand):
    today = brand_today(brand)
    people = _people(brand, today)
    with brand_context(brand):
        book_ranks_refresh(brand_id=brand.pk, today=today)
        customers = list(Customer.objects.filter(pk__in=[c.pk for c in people.values()]))
        dates = clientbook.upcoming_dates(brand=brand, customers=Customer.objects.all(), today=today)
        due = clientbook.services_due(brand=brand, customers=Customer.objects.all(), today=today)
        expected = {}
        for customer in customers:
            last = customer.orders.order_by("-ordered_at").values_list("ordered_at", flat=True).first()
            kind, _sentence = clientbook.suggest(
                customer=customer,
                last_purchase=last.date() if last else None,
                dates=[d for d in dates if d.customer_id == customer.pk],
                today=today,
                service_due=due.get(customer.pk),
            )
            if kind:
                expected[customer.pk] = clientbook.PRIORITY[kind]
    assert _ranks(brand) == expected
    assert expected == {
        people["birthday"].pk: 0, people["relation"].pk: 0, people["service"].pk: 1,
        people["follow"].pk: 2, people["welcome"].pk: 3,
    }  # fmt: skip
    with brand_context(brand):
        assert BookRank.objects.get(customer=people["relation"]).first_date == today + timedelta(days=4)


def test_the_book_is_ordered_by_suggestion_then_name_across_pages(client_for, brand, store):
    _people(brand, brand_today(brand), home_store=store)
    for n in range(30):
        CustomerFactory(
            brand=brand,
            home_store=store,
            last_name=f"Other{n:02}",
            created_at=OLD,
            customer_since=date(2020, 1, 1),
        )
    with brand_context(brand):
        book_ranks_refresh(brand_id=brand.pk, today=brand_today(brand))
    client = client_for(brand, "retail_manager", store)
    url = reverse("customers:client_book", kwargs={"brand_slug": brand.slug})
    first, second = client.get(url), client.get(url, {"page": 2})
    names = [e.customer.last_name for e in first.context["entries"] + second.context["entries"]]
    assert first.context["page_obj"].paginator.count == 37
    # Dates by their day (the relation's in 4 days, the birthday in 15), service, follow-up, welcome, then
    # the others by name.
    assert names[:5] == ["Young", "Zed", "Xavier", "Walker", "Vidal"]
    assert names[-32:] == sorted(names[-32:])
    assert len(set(names)) == 37


def test_a_book_page_has_a_fixed_number_of_queries(client_for, brand, store):
    client = client_for(brand, "retail_manager", store)
    url = reverse("customers:client_book", kwargs={"brand_slug": brand.slug})

    def count(target):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(target).status_code == 200
        return len(ctx.captured_queries)

    CustomerFactory(brand=brand, home_store=store, first_name="Ana", birth_date=timezone.localdate())
    with brand_context(brand):
        book_ranks_refresh(brand_id=brand.pk, today=brand_today(brand))
    few, few_searched = count(url), count(url + "?q=a")
    for _ in range(60):
        customer = CustomerFactory(
            brand=brand, home_store=store, first_name="Ana", birth_date=timezone.localdate()
        )
        RelationFactory(brand=brand, customer=customer, birth_date=timezone.localdate())
        OrderFactory(brand=brand, customer=customer)
    with brand_context(brand):
        book_ranks_refresh(brand_id=brand.pk, today=brand_today(brand))
    assert count(url) == few
    assert count(url + "?page=3") == few
    assert count(url + "?q=a") == few_searched


def test_the_services_keep_the_ranks_in_step(brand):
    with brand_context(brand):
        customer = customer_create(
            brand=brand, first_name="Léa", last_name="Dubois", email="lea@example.test"
        )
        assert _ranks(brand) == {customer.pk: 3}  # new, never contacted: a welcome call
        customer_mark_contacted(brand=brand, customer=customer)
        assert _ranks(brand) == {}
        relation_save(
            brand=brand,
            customer=customer,
            data={"name": "Paul", "kind": "child", "birth_date": brand_today(brand)},
        )
        assert _ranks(brand) == {customer.pk: 0}


def test_the_daily_task_rewrites_a_brand_once_a_day(brand):
    from customers.tasks import refresh_book_ranks_task

    customer = CustomerFactory(
        brand=brand, customer_since=date(2020, 1, 1), created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    with brand_context(brand):
        Customer.objects.filter(pk=customer.pk).update(birth_date=brand_today(brand) + timedelta(days=2))
        book_ranks_refresh(brand_id=brand.pk, today=brand_today(brand) - timedelta(days=40))  # out of date
        assert _ranks(brand) == {}
    assert refresh_book_ranks_task(brand.pk) == 1
    assert _ranks(brand) == {customer.pk: 0}
    assert refresh_book_ranks_task(brand.pk) == 0  # already today's


def test_ranks_are_per_brand_under_row_level_security(brand, other_brand):
    mine = CustomerFactory(brand=brand, customer_since=timezone.localdate())
    theirs = CustomerFactory(brand=other_brand, customer_since=timezone.localdate())
    for b in (brand, other_brand):
        with brand_context(b):
            book_ranks_refresh(brand_id=b.pk, today=brand_today(b))
    assert set(_ranks(brand)) == {mine.pk}
    assert set(_ranks(other_brand)) == {theirs.pk}
    with brand_context(brand), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_book_rank")
        assert cursor.fetchone()[0] == 1
