"""The dashboard home's kept figures (ADR 0045): read from HomeFigure rows in one query, counted inline
only within a time budget, counted again by a task when missing or old; a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import ConsentFactory, CustomerFactory
from jewelcrm.accounts import home
from jewelcrm.accounts.models import HomeFigure
from jewelcrm.accounts.tasks import refresh_home_figures_task
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _dashboard(brand):
    return reverse("accounts:dashboard", kwargs={"brand_slug": brand.slug})


def _customer_key():
    return next(home.figure_key(t) for t in home.kept_tiles() if t.url_name == "customer360:list")


def _tile(response, label):
    return next(t for t in response.context["tiles"] if str(t["label"]) == label)


def _kept(brand):
    with brand_context(brand):
        return dict(HomeFigure.objects.filter(brand=brand).values_list("key", "value"))


def test_a_missing_figure_of_a_small_brand_is_counted_at_once_and_kept(owner_client, brand):
    for _ in range(3):
        CustomerFactory(brand=brand)
    response = owner_client.get(_dashboard(brand))
    assert _tile(response, "Customers")["value"] == 3
    assert _kept(brand)[_customer_key()] == 3


def test_a_kept_figure_is_read_not_counted(owner_client, brand, django_capture_on_commit_callbacks):
    CustomerFactory(brand=brand)
    with brand_context(brand):
        for tile in home.kept_tiles():
            HomeFigure.objects.create(brand=brand, key=home.figure_key(tile), value=1_000_000)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.get(_dashboard(brand))
    tile = _tile(response, "Customers")
    assert tile["value"] == 1_000_000
    assert str(tile["note"]).startswith("Counted ")
    assert "1,000,000" in response.content.decode()
    assert not any("customers_customer" in q["sql"] for q in queries.captured_queries)
    assert callbacks == []  # fresh: no refresh asked


def test_an_old_figure_is_shown_and_counted_again(owner_client, brand, django_capture_on_commit_callbacks):
    CustomerFactory(brand=brand)
    with brand_context(brand):
        HomeFigure.objects.create(
            brand=brand, key=_customer_key(), value=7, computed_at=timezone.now() - timedelta(hours=2)
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner_client.get(_dashboard(brand))
    assert _tile(response, "Customers")["value"] == 7
    assert len(callbacks) == 1  # one refresh, run by the (eager) worker
    assert _kept(brand)[_customer_key()] == 1
    with django_capture_on_commit_callbacks() as again:
        owner_client.get(_dashboard(brand))
    assert again == []


def test_a_count_over_budget_does_not_hold_the_page(
    owner_client, brand, monkeypatch, django_capture_on_commit_callbacks
):
    """A million customers: the count is cancelled after the budget, the page says it is being counted
    and the task counts it."""
    CustomerFactory(brand=brand)
    monkeypatch.setattr(home, "INLINE_BUDGET_MS", 1)
    slow = next(t for t in home.kept_tiles() if t.url_name == "customer360:list")
    original = slow.count

    def slow_count(brand, membership):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.05)")
        return original(brand, membership)

    object.__setattr__(slow, "count", slow_count)  # a frozen dataclass, put back below
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = owner_client.get(_dashboard(brand))
        tile = _tile(response, "Customers")
        assert tile["value"] is None
        assert str(tile["note"]) == "Being counted: back in a minute."
        assert "Being counted" in response.content.decode()
        assert len(callbacks) == 1
        assert _kept(brand)[_customer_key()] == 1  # counted by the task, without a budget
    finally:
        object.__setattr__(slow, "count", original)


def test_home_has_a_fixed_query_count(owner_client, brand):
    CustomerFactory(brand=brand)
    owner_client.get(_dashboard(brand))  # the figures are kept from now on
    with CaptureQueriesContext(connection) as few:
        owner_client.get(_dashboard(brand))
    for _ in range(20):
        ConsentFactory(brand=brand, customer=CustomerFactory(brand=brand))
    with CaptureQueriesContext(connection) as many:
        owner_client.get(_dashboard(brand))
    assert len(few) == len(many)


def test_the_task_counts_one_brand_only(brand, other_brand):
    for _ in range(2):
        ConsentFactory(brand=brand, customer=CustomerFactory(brand=brand))
    CustomerFactory(brand=other_brand)
    counted = refresh_home_figures_task(brand.pk)
    assert counted[_customer_key()] == 2
    assert _kept(brand)[_customer_key()] == 2
    assert _kept(other_brand) == {}


def test_the_french_page_says_when_it_was_counted(owner_client, brand):
    CustomerFactory(brand=brand)
    with brand_context(brand):
        HomeFigure.objects.create(brand=brand, key=_customer_key(), value=5)
    owner_client.cookies["django_language"] = "fr"
    response = owner_client.get(_dashboard(brand))
    assert "Compté le" in response.content.decode()
