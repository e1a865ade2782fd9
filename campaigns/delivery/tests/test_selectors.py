"""The suppression list as the campaign engine reads it: one query, normalised addresses, brands apart."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from campaigns.delivery.models import Suppression, SuppressionReason
from campaigns.delivery.selectors import suppressed_emails
from campaigns.delivery.services import suppression_add, suppression_remove
from campaigns.delivery.tests.factories import SuppressionFactory
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def test_suppressed_emails_answers_in_one_query_with_normalised_addresses(brand, django_assert_num_queries):
    SuppressionFactory(brand=brand, email="anna@example.test")
    SuppressionFactory(brand=brand, email="bob@example.test", reason=SuppressionReason.COMPLAINT)
    emails = [
        " Anna@Example.test ",
        "bob@example.test",
        "carla@example.test",
        "",
        *(f"x{i}@e.test" for i in range(500)),
    ]
    with brand_context(brand), django_assert_num_queries(1):
        found = suppressed_emails(brand=brand, emails=emails)
    assert found == {"anna@example.test", "bob@example.test"}


def test_no_address_costs_no_query(brand, django_assert_num_queries):
    with brand_context(brand), django_assert_num_queries(0):
        assert suppressed_emails(brand=brand, emails=["", "  "]) == set()


def test_another_brands_suppression_does_not_count(brand, other_brand):
    SuppressionFactory(brand=other_brand, email="anna@example.test")
    with brand_context(brand):
        assert suppressed_emails(brand=brand, emails=["anna@example.test"]) == set()
    with brand_context(other_brand):
        assert suppressed_emails(brand=other_brand, emails=["anna@example.test"]) == {"anna@example.test"}


def test_suppression_add_is_idempotent_and_keeps_the_first_reason(brand):
    with brand_context(brand):
        first, created = suppression_add(brand=brand, email=" Anna@Example.TEST", reason="bounce", source="x")
        again, created_again = suppression_add(brand=brand, email="anna@example.test", reason="manual")
        assert (created, created_again) == (True, False)
        assert again.pk == first.pk and again.reason == "bounce" and again.email == "anna@example.test"
        assert Suppression.objects.count() == 1


def test_suppression_add_refuses_a_non_address_and_an_unknown_reason(brand):
    with brand_context(brand):
        with pytest.raises(ValidationError):
            suppression_add(brand=brand, email="not an address", reason="manual")
        with pytest.raises(ValueError):
            suppression_add(brand=brand, email="a@example.test", reason="because")
        assert Suppression.objects.count() == 0


def test_one_row_per_brand_and_address_at_database_level(brand):
    SuppressionFactory(brand=brand, email="anna@example.test")
    with pytest.raises(IntegrityError):
        SuppressionFactory(brand=brand, email="anna@example.test")


def test_suppression_remove_only_in_the_brand(brand, other_brand):
    row = SuppressionFactory(brand=other_brand)
    with brand_context(brand):
        assert suppression_remove(brand=brand, suppression_id=row.pk) is None
    with brand_context(other_brand):
        assert Suppression.objects.filter(pk=row.pk).exists()
        assert suppression_remove(brand=other_brand, suppression_id=row.pk).pk == row.pk
        assert not Suppression.objects.filter(pk=row.pk).exists()
