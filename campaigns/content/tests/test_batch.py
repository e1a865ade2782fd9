"""render_batch reads a batch in a fixed number of queries, whatever its size; the value band comes from
segmentation's published scores."""

from __future__ import annotations

import datetime

import pytest
from django.db import models as dj_models

from campaigns.content.rendering import Recipient, render_batch
from campaigns.content.tests.factories import EmailTemplateFactory
from customers.tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from jewelcrm.tenancy.context import brand_context
from tests.factories import ProductFactory, StoreFactory
from warranties.inventory.tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

FULL = (
    "{{ salutation }} {{ store_name }} {{ store_city }} {{ piece_names }} {{ value_band_label }} "
    "{{ birthday|date }} https://maison.example/a"
)


def _published_scores(brand, bands: dict[int, int]) -> None:
    from segmentation.models import CustomerScore, PipelineRun

    today = datetime.date(2026, 12, 1)
    with brand_context(brand):
        run = PipelineRun.objects.create(
            brand=brand, run_date=today, observation_date=today, is_published=True
        )
        rows = []
        for customer_id, band in bands.items():
            values = {}
            for field in CustomerScore._meta.concrete_fields:
                if field.null or field.has_default() or field.primary_key or field.is_relation:
                    continue
                if isinstance(field, dj_models.DateField):
                    values[field.attname] = today
                elif isinstance(field, dj_models.CharField):
                    values[field.attname] = "x"
                else:
                    values[field.attname] = 1
            rows.append(
                CustomerScore(brand=brand, run=run, customer_id=customer_id, value_band=band, **values)
            )
        CustomerScore.objects.bulk_create(rows)


def _people(brand, count: int, products, store) -> list[int]:
    ids = []
    for n in range(count):
        customer = CustomerFactory(
            brand=brand, home_store=store, birth_date=datetime.date(1980, 1, 1 + n % 28)
        )
        ItemFactory(brand=brand, product=products[n % 3], owner=customer, status="sold")
        order = OrderFactory(brand=brand, customer=customer)
        OrderLineFactory(brand=brand, order=order, product=products[(n + 1) % 3])
        ids.append(customer.pk)
    return ids


def test_value_band_comes_from_the_published_scores(brand):
    top, low, unscored = (CustomerFactory(brand=brand) for _ in range(3))
    _published_scores(brand, {top.pk: 10, low.pk: 2})
    template = EmailTemplateFactory(brand=brand, body_en="{{ value_band }}|{{ value_band_label }}|")
    with brand_context(brand):
        emails = render_batch(
            brand=brand, template=template, recipients=[Recipient(c.pk, "en") for c in (top, low, unscored)]
        )
    assert [e.text.split("\n")[0] for e in emails] == ["10|Top 10 %|", "2|Low|", "||"]


def test_a_batch_costs_the_same_queries_at_any_size(brand, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store = StoreFactory(brand=brand, name="Vendôme", city="Paris")
    products = [ProductFactory(brand=brand) for _ in range(3)]
    small = _people(brand, 3, products, store)
    large = _people(brand, 60, products, store)
    _published_scores(brand, {i: 5 for i in small + large})
    template = EmailTemplateFactory(brand=brand, body_en=FULL, has_recommendations=True)
    counts = []
    for ids in (small, large):
        with brand_context(brand), CaptureQueriesContext(connection) as queries:
            emails = render_batch(
                brand=brand, template=template, recipients=[Recipient(i, "en", f"camp:1:{i}") for i in ids]
            )
        assert len(emails) == len(ids)
        assert all("Paris" in e.text and "Medium" in e.text for e in emails)
        counts.append(len(queries))
    # customers with their stores, items owned, orders, their lines, scores, products, their complements
    # and the co-purchase counts (the first batch only: then cached for the brand).
    assert counts == [8, 7]
