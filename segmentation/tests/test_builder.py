"""Builder rules over profile, consent, dates and scores; fixed query counts on the Segments pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from customers.tests.factories import ConsentFactory, CustomerFactory, RelationFactory
from jewelcrm.tenancy.context import brand_context
from segmentation import builder, services
from segmentation.tests.test_views import scored  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
TODAY = date(2026, 4, 1)


def _ids(brand, rules, run=None):
    with brand_context(brand):
        return set(
            builder.customer_queryset(brand=brand, rules=rules, run=run, today=TODAY).values_list(
                "pk", flat=True
            )
        )


def test_profile_consent_and_date_rules(brand):
    ana = CustomerFactory(
        brand=brand, country="CH", language="en", gender="female", birth_date=date(1980, 4, 10)
    )
    bob = CustomerFactory(
        brand=brand, country="FR", language="fr", gender="male", birth_date=date(2001, 12, 1)
    )
    ConsentFactory(brand=brand, customer=ana, channel="email", is_confirmed=True)
    RelationFactory(brand=brand, customer=bob, birth_date=date(1990, 4, 20))
    assert _ids(brand, [{"field": "country", "value": ["ch"]}]) == {ana.pk}
    assert _ids(brand, [{"field": "consent", "value": ["email"]}]) == {ana.pk}
    assert _ids(brand, [{"field": "upcoming_date_days", "value": 10}]) == {ana.pk}
    assert _ids(brand, [{"field": "gift_recipient_date_days", "value": 30}]) == {bob.pk}
    assert _ids(brand, [{"field": "age_min", "value": 40}]) == {ana.pk}
    assert _ids(brand, [{"field": "age_max", "value": 30}]) == {bob.pk}
    assert _ids(brand, [{"field": "gender", "value": ["male"]}, {"field": "language", "value": ["fr"]}]) == {
        bob.pk
    }
    # Score rules select nobody before the first run.
    assert _ids(brand, [{"field": "rfm_segment", "value": ["loyal"]}]) == set()


def test_bad_rules_are_refused():
    for rules, code in (
        ([{"field": "salary", "value": 1}], "unknown_field"),
        ([{"field": "rfm_segment", "value": ["vip"]}], "unknown_choice"),
        ([{"field": "churn_risk_min", "value": 140}], "out_of_range"),
        ([{"field": "age_min", "value": "old"}], "not_a_number"),
        ([{"field": "consent", "value": []}], "empty"),
    ):
        with pytest.raises(builder.RuleInvalid) as caught:
            builder.normalise(rules)
        assert caught.value.code == code


def test_other_brand_customers_are_never_counted(brand, other_brand, scored):  # noqa: F811
    CustomerFactory(brand=other_brand, country="FR")
    with brand_context(brand):
        from segmentation.selectors import published_run

        run = published_run(brand=brand)
        assert builder.count(brand=brand, rules=[], run=run) == 3
        assert builder.count(brand=brand, rules=[{"field": "rfm_segment", "value": ["loyal"]}], run=run) == 1


def test_pages_have_a_fixed_query_count(brand, scored, marketer_client, django_assert_num_queries):  # noqa: F811
    kw = {"brand_slug": brand.slug}
    overview = reverse("segmentation:overview", kwargs=kw)
    marketer_client.get(overview)
    with django_assert_num_queries(17) as first:
        marketer_client.get(overview)
    with brand_context(brand):
        for name in ("A", "B", "C"):
            segment = services.segment_save(brand=brand, name=name, description="", rules=[])
    with django_assert_num_queries(len(first.captured_queries)):
        marketer_client.get(overview)
    detail = reverse("segmentation:segment_detail", kwargs={**kw, "pk": segment.pk})
    marketer_client.get(detail)
    # The members' number is the segment's stored count: no count(*) of the members on every page.
    with django_assert_num_queries(17):
        marketer_client.get(detail)


def test_owned_category_and_collection(brand):
    from customers.tests.factories import OrderFactory, OrderLineFactory
    from tests.factories import ProductFactory

    ring = ProductFactory(brand=brand, category="ring", collection="Aurore")
    watch = ProductFactory(brand=brand, category="watch", collection="Léman")
    ana = CustomerFactory(brand=brand)
    bob = CustomerFactory(brand=brand)
    OrderLineFactory(brand=brand, order=OrderFactory(brand=brand, customer=ana), product=ring)
    OrderLineFactory(brand=brand, order=OrderFactory(brand=brand, customer=bob), product=watch)
    assert _ids(brand, [{"field": "category", "value": ["ring"]}]) == {ana.pk}
    assert _ids(brand, [{"field": "collection", "value": ["Léman"]}]) == {bob.pk}
    assert _ids(brand, [{"field": "category", "value": ["ring", "watch"]}]) == {ana.pk, bob.pk}


def test_home_store_and_value_ceiling_through_the_form_and_the_live_count(
    brand,
    other_brand,
    scored,  # noqa: F811
    marketer_client,
):
    from customers.models import Customer
    from segmentation.models import Segment, SegmentMember
    from tests.factories import StoreFactory

    opera = StoreFactory(brand=brand, name="Opéra", city="Paris")
    geneva = StoreFactory(brand=brand, name="Rhône", city="Genève")
    foreign = StoreFactory(brand=other_brand, name="Elsewhere")
    with brand_context(brand):
        Customer.objects.filter(pk=scored["Ada"].pk).update(home_store=opera)
        Customer.objects.filter(pk=scored["Bea"].pk).update(home_store=geneva)
    kw = {"brand_slug": brand.slug}
    page = marketer_client.get(reverse("segmentation:segment_create", kwargs=kw)).content.decode()
    assert 'name="home_store"' in page
    assert f'<option value="{opera.pk}">Opéra (Paris)</option>' in page
    assert f'<option value="{geneva.pk}">Rhône (Genève)</option>' in page
    assert "Elsewhere" not in page
    assert 'name="clv_12m_max"' in page

    count_url = reverse("segmentation:segment_count", kwargs=kw)
    assert "1 customer" in marketer_client.get(count_url, {"home_store": [opera.pk]}).content.decode()
    both = marketer_client.get(count_url, {"home_store": [opera.pk, geneva.pk]}).content.decode()
    assert "2 customers" in both
    # With an RFM rule: Ada is loyal, Bea hibernating.
    loyal = marketer_client.get(count_url, {"home_store": [opera.pk, geneva.pk], "rfm_segment": ["loyal"]})
    assert "1 customer" in loyal.content.decode()
    # Another brand's store is not a choice: refused, nothing counted.
    refused = marketer_client.get(count_url, {"home_store": [foreign.pk]}).content.decode()
    assert "Check the values entered." in refused and "<strong>" not in refused
    # Predicted 12-month value at most 0: nobody has a negative value, those without a prediction are out.
    ceiling = marketer_client.get(count_url, {"clv_12m_max": "0"}).content.decode()
    assert "0 customers" in ceiling

    response = marketer_client.post(
        reverse("segmentation:segment_create", kwargs=kw),
        {"name": "Paris and Geneva", "home_store": [opera.pk, geneva.pk]},
    )
    assert response.status_code == 302
    with brand_context(brand):
        segment = Segment.objects.get(name="Paris and Geneva")
        assert segment.rules == [{"field": "home_store", "value": [opera.pk, geneva.pk]}]
        assert set(SegmentMember.objects.filter(segment=segment).values_list("customer_id", flat=True)) == {
            scored["Ada"].pk,
            scored["Bea"].pk,
        }
    detail = marketer_client.get(reverse("segmentation:segment_detail", kwargs={**kw, "pk": segment.pk}))
    assert "Home store: Opéra, Rhône" in detail.content.decode()
    edit = marketer_client.get(reverse("segmentation:segment_edit", kwargs={**kw, "pk": segment.pk}))
    assert f'<option value="{opera.pk}" selected>' in edit.content.decode()


def test_live_count_from_scores_equals_the_members(brand, scored):  # noqa: F811
    """The live count starts from the scores table; it finds exactly the customers a refresh saves,
    also when a scored customer was merged or erased since the run (through the services, which move or
    delete the person's scores), and with profile rules."""
    from customers.dedupe import customer_merge
    from customers.gdpr import customer_erase
    from customers.models import Customer
    from segmentation.selectors import published_run

    with brand_context(brand):
        run = published_run(brand=brand)
        customer_merge(brand=brand, survivor=scored["Ada"], other=scored["Cy"])
        customer_erase(brand=brand, customer=scored["Bea"])
        Customer.objects.filter(pk=scored["Ada"].pk).update(country="CH")
        cases = [
            [{"field": "rfm_segment", "value": ["loyal", "potential_loyalists", "hibernating"]}],
            [
                {"field": "rfm_segment", "value": ["loyal", "hibernating"]},
                {"field": "country", "value": ["ch"]},
            ],
            [{"field": "value_band_min", "value": 1}, {"field": "country", "value": ["FR"]}],
            [{"field": "country", "value": ["FR", "CH"]}],
        ]
        counts = [builder.count(brand=brand, rules=rules, run=run) for rules in cases]
        members = [builder.customer_queryset(brand=brand, rules=rules, run=run).count() for rules in cases]
        assert counts == members == [1, 1, 0, 1]
        assert builder.count(brand=brand, rules=cases[0], run=None) == 0
