"""The audit log page: owners and admins read their brand's trail, and nothing of another brand."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jewelcrm.accounts.services import audit_log_record
from jewelcrm.tenancy.context import brand_context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(brand) -> str:
    return reverse("accounts:audit_log", kwargs={"brand_slug": brand.slug})


def record(brand, action: str, actor=None, obj_id: str = "") -> None:
    with brand_context(brand):
        entry = audit_log_record(brand=brand, action=action, actor=actor, ip="10.0.0.9")
        if obj_id:
            entry.object_type, entry.object_id = "Customer", obj_id
            entry.save()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("admin", 200),
        ("marketer", 403),
        ("analyst", 403),
        ("retail_manager", 403),
        ("sales_associate", 403),
    ],
)
def test_audit_log_per_role(client_for, brand, role, expected):
    assert client_for(brand, role).get(url(brand)).status_code == expected


def test_shows_the_brand_trail_newest_first_and_nothing_of_another_brand(owner_client, brand, other_brand):
    actor = UserFactory(email="actor@example.test")
    record(brand, "customer.erase", actor=actor, obj_id="42")
    record(brand, "api_key.create")
    record(other_brand, "secret.foreign.action")
    response = owner_client.get(url(brand))
    body = response.content.decode()
    assert [e.action for e in response.context["entries"]] == ["api_key.create", "customer.erase"]
    assert "actor@example.test" in body and "Customer #42" in body and "10.0.0.9" in body
    assert "secret.foreign.action" not in body
    assert response.context["actions"] == ["api_key.create", "customer.erase"]
    assert owner_client.get(url(other_brand)).status_code == 404


def test_filters_by_action_and_search(owner_client, brand):
    record(brand, "customer.erase", actor=UserFactory(email="eraser@example.test"), obj_id="7")
    record(brand, "api_key.create", actor=UserFactory(email="keymaker@example.test"))
    by_action = owner_client.get(url(brand), {"action": "customer.erase"})
    assert [e.action for e in by_action.context["entries"]] == ["customer.erase"]
    by_person = owner_client.get(url(brand), {"q": "keymaker"})
    assert [e.action for e in by_person.context["entries"]] == ["api_key.create"]
    nothing = owner_client.get(url(brand), {"q": "nobody"})
    assert "No entry matches this filter." in nothing.content.decode()


def test_query_count_does_not_grow_with_entries(owner_client, brand, django_assert_num_queries):
    record(brand, "one", actor=UserFactory())
    with CaptureQueriesContext(connection) as first:
        owner_client.get(url(brand))
    for n in range(10):
        record(brand, f"action.{n}", actor=UserFactory())
    with django_assert_num_queries(len(first)):
        response = owner_client.get(url(brand))
    assert len(response.context["entries"]) == 11
