"""The Segments pages: roles, another brand's ids (404), the builder's live count and saving, export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from jewelcrm.tenancy.context import brand_context
from segmentation import pipeline, services
from segmentation.models import PipelineRun, Segment, SegmentMember
from segmentation.tests.factories import history
from segmentation.tests.test_pipeline import HISTORY

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(brand):
    people = history(brand, HISTORY)
    with brand_context(brand):
        run = services.run_request(brand=brand)
        PipelineRun.objects.filter(pk=run.pk).update(observation_date=date(2026, 3, 31))
    pipeline.run_execute(brand=brand, run_id=run.pk)
    return people


def _url(name, brand, **kw):
    return reverse(f"segmentation:{name}", kwargs={"brand_slug": brand.slug, **kw})


@pytest.mark.parametrize(
    "role,overview,builder,export",
    [
        ("owner", 200, 200, 200),
        ("admin", 200, 200, 200),
        ("marketer", 200, 200, 200),
        ("analyst", 200, 403, 403),
        ("sales_associate", 403, 403, 403),
    ],
)
def test_roles(brand, scored, client_for, role, overview, builder, export):
    client = client_for(brand, role)
    assert client.get(_url("overview", brand)).status_code == overview
    assert client.get(_url("segment_create", brand)).status_code == builder
    assert client.get(_url("export", brand)).status_code == export
    assert client.get(_url("rules", brand)).status_code == overview


def test_overview_shows_segments_in_words(brand, scored, marketer_client):
    response = marketer_client.get(_url("overview", brand))
    body = response.content.decode()
    assert "Potential loyalists" in body and "Hibernating" in body
    assert "potential_loyalists" not in body


def test_only_admins_start_a_run_and_twice_says_so(brand, client_for):
    marketer = client_for(brand, "marketer")
    assert marketer.post(_url("run_start", brand)).status_code == 403
    admin = client_for(brand, "admin")
    first = admin.post(_url("run_start", brand))
    with brand_context(brand):
        run = PipelineRun.objects.get()
    assert first.status_code == 302 and first["Location"] == _url("run_detail", brand, pk=run.pk)
    second = admin.post(_url("run_start", brand), follow=True)
    assert "A run is already waiting or running" in second.content.decode()
    with brand_context(brand):
        assert PipelineRun.objects.count() == 1
    page = admin.get(_url("run_detail", brand, pk=run.pk))
    assert b"<progress" in page.content


def test_builder_live_count_and_save(brand, scored, marketer_client):
    count = marketer_client.get(
        _url("segment_count", brand), {"rfm_segment": ["loyal", "potential_loyalists"]}
    )
    assert 'data-testid="live-count"' in count.content.decode()
    assert "2 customers" in count.content.decode()
    bad = marketer_client.get(_url("segment_count", brand), {"churn_risk_min": "140"})
    assert "Check the values entered." in bad.content.decode()
    response = marketer_client.post(
        _url("segment_create", brand), {"name": "Repeaters", "rfm_segment": ["loyal", "potential_loyalists"]}
    )
    with brand_context(brand):
        segment = Segment.objects.get()
        members = set(SegmentMember.objects.values_list("customer_id", flat=True))
    assert response.status_code == 302
    assert segment.member_count == 2 and members == {scored["Ada"].pk, scored["Cy"].pk}
    again = marketer_client.post(
        _url("segment_create", brand), {"name": "Repeaters", "rfm_segment": ["loyal"]}
    )
    assert again.status_code == 400 and "A segment already has this name." in again.content.decode()
    with brand_context(brand):
        assert Segment.objects.count() == 1


def test_foreign_brand_ids_answer_404(brand, other_brand, scored, client_for):
    other = client_for(other_brand, "owner")
    with brand_context(brand):
        run = PipelineRun.objects.get()
        segment = services.segment_save(brand=brand, name="Mine", description="", rules=[])
    for name in ("run_detail", "segment_detail", "segment_edit"):
        pk = run.pk if name == "run_detail" else segment.pk
        assert other.get(_url(name, other_brand, pk=pk)).status_code == 404
    assert other.post(_url("segment_refresh", other_brand, pk=segment.pk)).status_code == 404
    assert other.get(_url("overview", brand)).status_code == 404
    assert other.get(_url("export", other_brand)).status_code == 404  # no scores of its own


def test_export_button_and_command(brand, scored, marketer_client, tmp_path):
    response = marketer_client.get(_url("export", brand))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    ada = next(r for r in rows if r["customer_id"] == str(scored["Ada"].pk))
    assert (ada["frequency"], ada["recency"], ada["T"], ada["monetary_value"]) == ("2", "387", "445", "400.0")
    assert ada["rfm_segment"] == "loyal"
    for column in ("clv_historic", "clv_12m", "p_alive", "churn_risk", "cluster"):
        assert column in ada
    out = tmp_path / "scores.csv"
    call_command("scores_export", "--brand", brand.slug, "--out", str(out), stdout=io.StringIO())
    assert out.read_text().splitlines()[0] == response.content.decode().splitlines()[0]
    assert len(out.read_text().splitlines()) == 4
    with pytest.raises(CommandError):
        call_command("scores_export", "--brand", "nope", "--out", str(out))


def test_customer_360_shows_segment_and_erasure_removes_scores(brand, scored, marketer_client):
    from customers.gdpr import customer_erase
    from segmentation.models import CustomerScore

    ada = scored["Ada"]
    page = marketer_client.get(reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": ada.pk}))
    body = page.content.decode()
    assert 'data-testid="customer-segment">Loyal<' in body
    with brand_context(brand):
        services.segment_save(
            brand=brand,
            name="All loyal",
            description="",
            rules=[{"field": "rfm_segment", "value": ["loyal"]}],
        )
        customer_erase(brand=brand, customer=ada)
        assert CustomerScore.objects.filter(customer_id=ada.pk).count() == 0
        assert SegmentMember.objects.filter(customer_id=ada.pk).count() == 0


def test_rules_edit_refuses_gaps(brand, scored, marketer_client):
    page = marketer_client.get(_url("rules", brand))
    assert page.status_code == 200
    data = {
        "recency_cutoffs": "60, 120, 365, 700",
        "frequency_cutoffs": "2,3,4,6",
        "monetary_cutoffs": "100,200,300,400",
    }
    from segmentation.rfm import DEFAULT_SEGMENTS

    for i, s in enumerate(DEFAULT_SEGMENTS):
        data.update(
            {
                f"s{i}_r_min": s["r"][0],
                f"s{i}_r_max": s["r"][1],
                f"s{i}_f_min": s["f"][0],
                f"s{i}_f_max": s["f"][1],
            }
        )
    gap = dict(data, s0_r_min=5)  # champions only R5: R4 F4-5 becomes loyal, still covered
    assert marketer_client.post(_url("rules", brand), gap).status_code == 302
    hole = dict(data, s10_r_max=1, s10_f_max=1)  # lost only R1 F1: R1 F2 uncovered
    response = marketer_client.post(_url("rules", brand), hole)
    assert response.status_code == 400
    assert "match no segment" in response.content.decode()


def test_client_book_ranks_clients_to_contact_by_value_at_risk(brand, scored, client_for):
    from customers.models import Customer
    from segmentation.models import CustomerScore

    associate = client_for(brand, "sales_associate")
    with brand_context(brand):
        Customer.objects.filter(pk__in=[c.pk for c in scored.values()]).update(
            assigned_associate=associate.user
        )
        CustomerScore.objects.filter(customer=scored["Ada"]).update(value_at_risk=120.0, churn_risk=0.4)
        CustomerScore.objects.filter(customer=scored["Cy"]).update(value_at_risk=900.0, churn_risk=0.9)
    page = associate.get(reverse("customers:client_book", kwargs={"brand_slug": brand.slug}))
    body = page.content.decode()
    section = body[body.index('data-testid="contact-this-week"') :]
    assert section.index(scored["Cy"].full_name) < section.index(scored["Ada"].full_name)
    assert "900 EUR at risk" in section
    assert scored["Bea"].full_name not in section.split("</ul>")[0]
