from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.outreach.tests.factories import OutreachTaskFactory
from customers.tests.factories import CustomerFactory, OrderFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _my_tasks(brand):
    return reverse("campaign_outreach:my_tasks", kwargs={"brand_slug": brand.slug})


def _done_url(brand, task):
    return reverse("campaign_outreach:task_done", kwargs={"brand_slug": brand.slug, "pk": task.pk})


def _brand_tasks(brand):
    return reverse("campaign_outreach:brand_tasks", kwargs={"brand_slug": brand.slug})


@pytest.fixture
def weber(brand, store):
    return CustomerFactory(brand=brand, first_name="Hélène", last_name="Weber", home_store=store)


def test_associate_sees_own_tasks_only(brand, store, client_for, weber):
    associate = client_for(brand, "sales_associate", store)
    colleague = client_for(brand, "sales_associate", store)
    mine = OutreachTaskFactory(
        brand=brand,
        customer=weber,
        assignee=associate.user,
        store=store,
        title="Mrs Weber's wedding anniversary is on 12 June",
        detail="She owns the Aurore ring; suggest the matching earrings.",
    )
    theirs = OutreachTaskFactory(
        brand=brand, customer=weber, assignee=colleague.user, store=store, title="Theirs"
    )

    response = associate.get(_my_tasks(brand))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Mrs Weber&#x27;s wedding anniversary is on 12 June" in body
    assert "suggest the matching earrings" in body
    assert "Hélène Weber" in body
    assert f'data-testid="task-{mine.pk}"' in body
    assert f'data-testid="task-{theirs.pk}"' not in body
    assert associate.get(_done_url(brand, theirs)).status_code == 404


def test_manager_sees_the_stores_tasks_not_another_stores(brand, store, client_for, weber):
    manager = client_for(brand, "retail_manager", store)
    associate = client_for(brand, "sales_associate", store)
    other_store = StoreFactory(brand=brand)
    ours = OutreachTaskFactory(brand=brand, customer=weber, assignee=associate.user, store=store)
    elsewhere = OutreachTaskFactory(brand=brand, store=other_store)

    body = manager.get(_my_tasks(brand)).content.decode()

    assert f'data-testid="task-{ours.pk}"' in body
    assert f'data-testid="task-{elsewhere.pk}"' not in body
    assert manager.get(_done_url(brand, ours)).status_code == 200
    assert manager.get(_done_url(brand, elsewhere)).status_code == 404


def test_associate_marks_done_with_outcome_and_note(brand, store, client_for, weber):
    associate = client_for(brand, "sales_associate", store)
    task = OutreachTaskFactory(brand=brand, customer=weber, assignee=associate.user, store=store)

    response = associate.post(_done_url(brand, task), {"outcome": "visit_booked", "note": "Saturday 11:00"})

    assert response.status_code == 302
    with brand_context(brand):
        task.refresh_from_db()
    assert (task.status, task.outcome, task.note, task.done_by_id) == (
        "done",
        "visit_booked",
        "Saturday 11:00",
        associate.user.pk,
    )


def test_done_form_refuses_a_missing_outcome(brand, store, client_for, weber):
    associate = client_for(brand, "sales_associate", store)
    task = OutreachTaskFactory(brand=brand, customer=weber, assignee=associate.user, store=store)

    response = associate.post(_done_url(brand, task), {"outcome": "", "note": "x"})

    assert response.status_code == 200
    with brand_context(brand):
        task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.parametrize("role", ["sales_associate", "retail_manager"])
def test_staff_of_another_store_can_neither_see_nor_complete(brand, store, client_for, weber, role):
    owner = client_for(brand, "sales_associate", store)
    task = OutreachTaskFactory(brand=brand, customer=weber, assignee=owner.user, store=store)
    stranger = client_for(brand, role, StoreFactory(brand=brand))

    assert stranger.get(_done_url(brand, task)).status_code == 404
    assert stranger.post(_done_url(brand, task), {"outcome": "called"}).status_code == 404
    assert f'data-testid="task-{task.pk}"' not in stranger.get(_my_tasks(brand)).content.decode()
    with brand_context(brand):
        task.refresh_from_db()
    assert task.status == "open"


def test_another_brands_task_is_a_404(brand, other_brand, store, client_for):
    associate = client_for(brand, "sales_associate", store)
    foreign = OutreachTaskFactory(brand=other_brand, assignee=associate.user)

    assert associate.get(_done_url(brand, foreign)).status_code == 404
    assert associate.post(_done_url(brand, foreign), {"outcome": "called"}).status_code == 404
    # Brand B's pages answer 404 to a member of brand A only.
    assert associate.get(_my_tasks(other_brand)).status_code == 404
    with brand_context(other_brand):
        foreign.refresh_from_db()
    assert foreign.status == "open"


@pytest.mark.parametrize(
    ("role", "my_tasks", "brand_tasks"),
    [
        ("owner", 403, 200),
        ("admin", 403, 200),
        ("marketer", 403, 200),
        ("analyst", 403, 200),
        ("retail_manager", 200, 403),
        ("sales_associate", 200, 403),
    ],
)
def test_pages_per_role(brand, store, client_for, role, my_tasks, brand_tasks):
    client = client_for(brand, role, store if role in ("retail_manager", "sales_associate") else None)
    assert client.get(_my_tasks(brand)).status_code == my_tasks
    assert client.get(_brand_tasks(brand)).status_code == brand_tasks


def test_brand_list_counts_outcomes_conversions_and_revenue(brand, store, marketer_client, weber):
    done_at = timezone.now() - timedelta(days=10)
    other = CustomerFactory(brand=brand)
    called = OutreachTaskFactory(
        brand=brand, customer=weber, store=store, status="done", outcome="called", done_at=done_at
    )
    OutreachTaskFactory(brand=brand, customer=other, status="done", outcome="no_answer", done_at=done_at)
    OutreachTaskFactory(brand=brand, customer=other)
    OrderFactory(
        brand=brand,
        customer=weber,
        ordered_at=done_at + timedelta(days=2),
        total=Decimal("3400.00"),
        total_brand_currency=Decimal("3400.00"),
    )

    response = marketer_client.get(_brand_tasks(brand))

    summary = response.context["summary"]
    assert (summary["open"], summary["done"], summary["converted"], summary["purchases"]) == (1, 2, 1, 1)
    assert summary["revenue"] == Decimal("3400.00")
    assert dict((v, n) for v, _label, n in summary["by_outcome"]) == {
        "called": 1,
        "messaged": 0,
        "visit_booked": 0,
        "no_answer": 1,
    }
    rows = {t.pk: t for t in response.context["tasks"]}
    assert rows[called.pk].conversion.revenue == Decimal("3400.00")
    body = response.content.decode()
    assert 'data-testid="count-converted">1 (50 %)' in body


def test_brand_list_in_french(brand, marketer_client):
    OutreachTaskFactory(brand=brand, status="done", outcome="visit_booked", done_at=timezone.now())
    response = marketer_client.get(_brand_tasks(brand), HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert "Prospection par les vendeurs" in body
    assert "Rendez-vous pris" in body


def test_brand_list_paginates_and_sorts(brand, marketer_client):
    customer = CustomerFactory(brand=brand)
    for day in range(30):
        OutreachTaskFactory(
            brand=brand,
            customer=customer,
            due_on=datetime(2027, 1, 1, tzinfo=UTC).date() + timedelta(days=day),
        )
    first = marketer_client.get(_brand_tasks(brand) + "?sort=-due")
    second = marketer_client.get(_brand_tasks(brand) + "?sort=-due&page=2")
    assert [t.due_on.day for t in first.context["tasks"]][:2] == [30, 29]
    assert len(first.context["tasks"]) == 25
    assert len(second.context["tasks"]) == 5


def test_client_book_shows_the_associates_open_tasks(brand, store, client_for, weber):
    associate = client_for(brand, "sales_associate", store)
    OutreachTaskFactory(
        brand=brand, customer=weber, assignee=associate.user, store=store, title="Anniversary call"
    )
    OutreachTaskFactory(brand=brand, customer=weber, store=StoreFactory(brand=brand), title="Not mine")

    body = associate.get(reverse("customers:client_book", kwargs={"brand_slug": brand.slug})).content.decode()

    assert 'data-testid="outreach-panel"' in body
    assert "Anniversary call" in body
    assert "Not mine" not in body


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["sales_associate", "marketer"])
def test_list_query_count_does_not_grow_with_the_rows(brand, store, client_for, role):
    member = client_for(brand, role, store if role == "sales_associate" else None)
    url = _my_tasks(brand) if role == "sales_associate" else _brand_tasks(brand)

    def add(n):
        for _ in range(n):
            task = OutreachTaskFactory(
                brand=brand,
                assignee=member.user,
                store=store,
                status="done",
                outcome="called",
                done_at=timezone.now() - timedelta(days=1),
            )
            OrderFactory(brand=brand, customer=task.customer, ordered_at=timezone.now())

    add(2)
    member.get(url + "?status=all")  # warm caches (menus, sessions)
    few = _count_queries(member, url + "?status=all")
    add(18)
    many = _count_queries(member, url + "?status=all")
    assert few == many


def test_brand_list_filters_by_store_and_links_the_360_page(brand, store, marketer_client, weber):
    other_store = StoreFactory(brand=brand)
    ours = OutreachTaskFactory(brand=brand, customer=weber, store=store)
    theirs = OutreachTaskFactory(brand=brand, store=other_store)

    response = marketer_client.get(_brand_tasks(brand) + f"?store={store.pk}")

    assert [t.pk for t in response.context["tasks"]] == [ours.pk]
    assert response.context["summary"]["open"] == 1
    body = response.content.decode()
    assert reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": weber.pk}) in body
    # Another brand's store id is ignored (all stores), never an error.
    response = marketer_client.get(_brand_tasks(brand) + "?store=999999")
    assert {t.pk for t in response.context["tasks"]} == {ours.pk, theirs.pk}


def test_erasure_blanks_the_tasks_personal_text(brand, store):
    from customers.gdpr import customer_erase

    task = OutreachTaskFactory(
        brand=brand,
        customer=CustomerFactory(brand=brand, first_name="Hélène", last_name="Weber", home_store=store),
        title="Hélène Weber's wedding anniversary",
        detail="She owns the Aurore ring",
        note="Her husband prefers calls",
    )
    with brand_context(brand):
        customer_erase(brand=brand, customer=task.customer)
        task.refresh_from_db()
    assert "Weber" not in task.title
    assert (task.detail, task.note) == ("", "")
