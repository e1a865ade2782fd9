"""The Campaigns pages: roles, another brand's ids, the journey editor, the campaign's approval flow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, CampaignStatus, Journey, Recipient
from campaigns.tests.factories import CampaignFactory, JourneyFactory
from jewelcrm.messaging.models import Message
from jewelcrm.tenancy.context import brand_context

pytestmark = pytest.mark.django_db


def _segment(brand, customers=()):
    from segmentation.models import Segment, SegmentMember

    with brand_context(brand):
        segment = Segment.objects.create(brand=brand, name=f"Best {brand.slug}")
        SegmentMember.objects.bulk_create(
            [SegmentMember(brand=brand, segment=segment, customer_id=c.pk) for c in customers]
        )
        segment.member_count = len(customers)
        segment.save()
    return segment


def _pages(brand, journey, campaign):
    s = brand.slug
    return [
        reverse("campaigns:journeys", args=[s]),
        reverse("campaigns:journey_edit", args=[s, journey.pk]),
        reverse("campaigns:journey_log", args=[s, journey.pk]),
        reverse("campaigns:journey_results", args=[s, journey.pk]),
        reverse("campaigns:list", args=[s]),
        reverse("campaigns:campaign_detail", args=[s, campaign.pk]),
        reverse("campaigns:campaign_log", args=[s, campaign.pk]),
        reverse("campaigns:campaign_results", args=[s, campaign.pk]),
        reverse("campaigns:settings", args=[s]),
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("admin", 200),
        ("marketer", 200),
        ("analyst", 200),
        ("retail_manager", 403),
        ("sales_associate", 403),
    ],
)
def test_pages_per_role(brand, client_for, role, status):
    journey = JourneyFactory(brand=brand)
    campaign = CampaignFactory(brand=brand, segment=_segment(brand))
    client = client_for(brand, role)
    for url in _pages(brand, journey, campaign):
        assert client.get(url).status_code == status, url


def test_another_brands_journey_and_campaign_are_404(brand, other_brand, client_for):
    journey = JourneyFactory(brand=other_brand)
    campaign = CampaignFactory(brand=other_brand, segment=_segment(other_brand), name="Secret sale")
    client = client_for(brand, "owner")
    s = brand.slug
    for url in [
        reverse("campaigns:journey_edit", args=[s, journey.pk]),
        reverse("campaigns:journey_log", args=[s, journey.pk]),
        reverse("campaigns:journey_results", args=[s, journey.pk]),
        reverse("campaigns:campaign_detail", args=[s, campaign.pk]),
        reverse("campaigns:campaign_log", args=[s, campaign.pk]),
        reverse("campaigns:campaign_results", args=[s, campaign.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 404 and b"Secret sale" not in response.content
    for name in ("campaign_cancel", "campaign_approve", "campaign_schedule"):
        assert client.post(reverse(f"campaigns:{name}", args=[s, campaign.pk])).status_code == 404
    with brand_context(other_brand):
        assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    # and the other brand's slug: 404 for a non-member
    assert client.get(reverse("campaigns:journeys", args=[other_brand.slug])).status_code == 404


def test_analyst_reads_but_cannot_change(brand, client_for):
    journey = JourneyFactory(brand=brand, is_enabled=False)
    client = client_for(brand, "analyst")
    response = client.post(
        reverse("campaigns:journey_edit", args=[brand.slug, journey.pk]), {"is_enabled": "on"}
    )
    assert response.status_code == 403
    assert client.get(reverse("campaigns:campaign_create", args=[brand.slug])).status_code == 403
    with brand_context(brand):
        assert Journey.objects.get(pk=journey.pk).is_enabled is False


def test_marketer_builds_a_birthday_journey_and_previews_it_in_french(brand, client_for, consenting):
    client = client_for(brand, "marketer")
    client.get(reverse("campaigns:journeys", args=[brand.slug]))
    with brand_context(brand):
        journey = Journey.objects.get(brand=brand, kind="birthday")
    response = client.post(
        reverse("campaigns:journey_edit", args=[brand.slug, journey.pk]),
        {
            "is_enabled": "on",
            "offset_days": "0",
            "channel": "email",
            "hold_out_percent": "10",
            "conversion_days": "30",
            "cost_per_message": "0.01",
        },
    )
    assert response.status_code == 302
    with brand_context(brand):
        journey.refresh_from_db()
    assert journey.is_enabled and journey.hold_out_percent == 10
    person = consenting(brand, first_name="Élodie")
    page = client.get(
        reverse("campaigns:journey_edit", args=[brand.slug, journey.pk]),
        {"customer": person.pk, "language": "fr"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert "Joyeux anniversaire, Élodie" in page.content.decode()


def test_cost_per_message_is_labelled_with_the_brands_currency(brand, client_for):
    brand.default_currency = "CHF"
    brand.save(update_fields=["default_currency"])
    client = client_for(brand, "marketer")
    client.get(reverse("campaigns:journeys", args=[brand.slug]))
    with brand_context(brand):
        journey = Journey.objects.get(brand=brand, kind="birthday")
    url = reverse("campaigns:journey_edit", args=[brand.slug, journey.pk])
    assert "Cost per message (CHF)" in client.get(url).content.decode()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Coût par message (CHF)" in french
    created = client.get(reverse("campaigns:campaign_create", args=[brand.slug])).content.decode()
    assert "Cost per message (CHF)" in created


def test_campaign_needs_a_second_person_above_the_threshold(brand, client_for, consenting):
    people = [consenting(brand) for _ in range(3)]
    segment = _segment(brand, people)
    with brand_context(brand):
        services.settings_update(brand=brand, actor=None, approval_threshold=2)
    marketer = client_for(brand, "marketer")
    response = marketer.post(
        reverse("campaigns:campaign_create", args=[brand.slug]),
        {
            "name": "Spring",
            "segment": segment.pk,
            "subject_en": "Spring, {first_name}",
            "body_en": "Hello",
            "hold_out_percent": "0",
            "conversion_days": "30",
            "cost_per_message": "0",
        },
    )
    assert response.status_code == 302, response.content
    with brand_context(brand):
        campaign = Campaign.objects.get(brand=brand, name="Spring")
    detail = reverse("campaigns:campaign_schedule", args=[brand.slug, campaign.pk])
    marketer.post(detail, {"send_at": "2026-01-10T10:00"})
    with brand_context(brand):
        campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL and campaign.audience_size == 3
    # the marketer may not approve; an admin who wrote it may not either; another admin may
    approve = reverse("campaigns:campaign_approve", args=[brand.slug, campaign.pk])
    assert marketer.post(approve).status_code == 403
    author_admin = client_for(brand, "admin")
    with brand_context(brand):
        Campaign.objects.filter(pk=campaign.pk).update(created_by=author_admin.user)
    author_admin.post(approve)
    with brand_context(brand):
        campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL
    client_for(brand, "owner").post(approve)
    with brand_context(brand):
        campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED and campaign.approved_by_id is not None

    with pytest.MonkeyPatch.context() as patch:
        import time_machine

        patch.setattr("campaigns.dispatch.DISPATCH_BATCH", 2)
        with time_machine.travel(datetime(2026, 1, 10, 10, 5, tzinfo=UTC), tick=False):
            assert services.campaigns_start_due(brand=brand) == [campaign.pk]
            assert services.campaigns_start_due(brand=brand) == []
    with brand_context(brand):
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.SENDING  # until the send log has delivered them
        assert Recipient.objects.filter(campaign=campaign, status="queued").count() == 3
        assert sorted(Message.objects.filter(brand=brand).values_list("to", flat=True)) == sorted(
            p.email for p in people
        )


def test_cancelled_while_sending_sends_nothing_more(brand, consenting):
    from campaigns.tests.test_sending import deliver_due

    people = [consenting(brand) for _ in range(2)]
    campaign = CampaignFactory(
        brand=brand,
        segment=_segment(brand, people),
        status="scheduled",
        scheduled_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    import time_machine

    with time_machine.travel(datetime(2026, 1, 10, 10, 5, tzinfo=UTC), tick=False):
        services.campaigns_start_due(brand=brand)
        with brand_context(brand):
            services.campaign_cancel(brand=brand, campaign=Campaign.objects.get(pk=campaign.pk), actor=None)
        deliver_due(brand)
    from django.core import mail

    assert mail.outbox == []
    with brand_context(brand):
        assert set(Recipient.objects.filter(campaign=campaign).values_list("skip_reason", flat=True)) == {
            "cancelled"
        }


def test_empty_segment_cannot_be_scheduled(brand, client_for):
    campaign = CampaignFactory(brand=brand, segment=_segment(brand))
    client = client_for(brand, "marketer")
    client.post(
        reverse("campaigns:campaign_schedule", args=[brand.slug, campaign.pk]),
        {"send_at": "2026-01-10T10:00"},
    )
    with brand_context(brand):
        campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_send_log_and_results_show_the_rows(brand, client_for, consenting):
    from customers.tests.factories import OrderFactory

    JourneyFactory(brand=brand, kind="birthday", hold_out_percent=50)
    people = [consenting(brand, birth_date=date(1980, 6, 12)) for _ in range(20)]
    with brand_context(brand):
        services.journey_run_evaluate(brand=brand, day=date(2027, 6, 12))
        journey = Journey.objects.get(brand=brand)
        rows = list(Recipient.objects.filter(journey=journey))
        Recipient.objects.filter(journey=journey, group="recipient").update(status="sent")
    for row in rows:
        OrderFactory(brand=brand, customer_id=row.customer_id, ordered_at=row.created_at)
    client = client_for(brand, "analyst")
    log = client.get(reverse("campaigns:journey_log", args=[brand.slug, journey.pk]))
    assert log.status_code == 200 and log.content.decode().count("<tr>") == len(people) + 1
    results = client.get(reverse("campaigns:journey_results", args=[brand.slug, journey.pk]))
    assert results.status_code == 200
    assert results.context["results"].chosen == 20


def test_test_send_goes_to_the_marketer_only(brand, client_for, consenting):
    from django.core import mail

    from campaigns.tests.test_sending import deliver_due

    campaign = CampaignFactory(brand=brand, segment=_segment(brand, [consenting(brand)]))
    marketer = client_for(brand, "marketer")
    response = marketer.post(
        reverse("campaigns:campaign_test", args=[brand.slug, campaign.pk]), {"language": "fr"}
    )
    assert response.status_code == 302
    deliver_due(brand)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([marketer.user.email], "[TEST] Des nouvelles pour")  # in French, no customer's name filled in
    ]
    with brand_context(brand):
        assert not Recipient.objects.filter(campaign=campaign).exists()
    assert (
        client_for(brand, "analyst")
        .post(reverse("campaigns:campaign_test", args=[brand.slug, campaign.pk]))
        .status_code
        == 403
    )


def test_the_segment_as_it_is_at_send_time_not_at_preview(brand, consenting):
    """The segment changes between the preview and the send: the campaign goes to its members at the
    moment it starts (one who left is not written to, one who joined is)."""
    from segmentation.models import SegmentMember

    stays, leaves, joins = (consenting(brand) for _ in range(3))
    segment = _segment(brand, [stays, leaves])
    campaign = CampaignFactory(
        brand=brand, segment=segment, status="scheduled", scheduled_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    with brand_context(brand):
        SegmentMember.objects.filter(brand=brand, segment=segment, customer_id=leaves.pk).delete()
        SegmentMember.objects.create(brand=brand, segment=segment, customer_id=joins.pk)
    import time_machine

    with time_machine.travel(datetime(2026, 1, 10, 10, 5, tzinfo=UTC), tick=False):
        assert services.campaigns_start_due(brand=brand) == [campaign.pk]
    with brand_context(brand):
        chosen = set(Recipient.objects.filter(campaign=campaign).values_list("customer_id", flat=True))
    assert chosen == {stays.pk, joins.pk}


def test_a_campaign_cannot_be_edited_while_sending(brand, client_for, consenting):
    from django.core.exceptions import ValidationError

    campaign = CampaignFactory(brand=brand, segment=_segment(brand, [consenting(brand)]), status="sending")
    with brand_context(brand), pytest.raises(ValidationError):
        services.campaign_update(brand=brand, campaign=campaign, actor=None, name="Changed")
    with brand_context(brand):
        campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING and campaign.name != "Changed"


def test_the_preview_offers_the_audience_to_pick_from(brand, other_brand, client_for, consenting):
    """The campaign's preview lists its segment's members (not the brand's other customers, never another
    brand's) for the marketer to pick; the picked one's e-mail is rendered."""
    members = [consenting(brand, first_name=name) for name in ("Agathe", "Bérénice")]
    outsider = consenting(brand, first_name="Capucine")
    foreign = consenting(other_brand, first_name="Delphine")
    campaign = CampaignFactory(brand=brand, segment=_segment(brand, members))
    marketer = client_for(brand, "marketer")
    url = reverse("campaigns:campaign_detail", args=[brand.slug, campaign.pk])
    page = marketer.get(url).content.decode()
    picker = page.split('data-testid="preview-customers">', 1)[1].split("</datalist>", 1)[0]
    assert [f'value="{m.pk}"' in picker for m in members] == [True, True]
    assert "Agathe" in picker and "Bérénice" in picker
    assert "Capucine" not in picker and f'value="{outsider.pk}"' not in picker
    assert "Delphine" not in page
    chosen = marketer.get(url, {"customer": members[1].pk, "language": "en"}).content.decode()
    assert 'data-testid="preview-subject"' in chosen
    assert f"<dd>{members[1].display_name}</dd>" in chosen
    missing = marketer.get(url, {"customer": foreign.pk}).content.decode()
    assert "No customer with this number." in missing and "Delphine" not in missing


def test_a_journey_without_a_segment_offers_the_newest_customers(brand, client_for, consenting):
    people = [consenting(brand, first_name=f"Person{i}") for i in range(25)]
    client = client_for(brand, "marketer")
    client.get(reverse("campaigns:journeys", args=[brand.slug]))
    with brand_context(brand):
        journey = Journey.objects.get(brand=brand, kind="birthday")
    page = client.get(reverse("campaigns:journey_edit", args=[brand.slug, journey.pk])).content.decode()
    picker = page.split('data-testid="preview-customers">', 1)[1].split("</datalist>", 1)[0]
    assert picker.count("<option") == 20
    assert f'value="{people[-1].pk}"' in picker and f'value="{people[0].pk}"' not in picker


def test_the_preview_is_framed_as_its_own_document_with_the_emails_styles(
    brand, other_brand, client_for, consenting
):
    """The page frames the e-mail from a document of its own whose CSP lets the e-mail's inline styles
    apply (never a script); a missing or another brand's customer answers 404."""
    person = consenting(brand, first_name="Héloïse")
    foreign = consenting(other_brand, first_name="Delphine")
    campaign = CampaignFactory(brand=brand, segment=_segment(brand, [person]))
    analyst = client_for(brand, "analyst")
    page = analyst.get(
        reverse("campaigns:campaign_detail", args=[brand.slug, campaign.pk]), {"customer": person.pk}
    ).content.decode()
    document_url = reverse("campaigns:campaign_preview_document", args=[brand.slug, campaign.pk])
    assert f'src="{document_url}?customer={person.pk}&amp;language=' in page
    assert "srcdoc" not in page
    document = analyst.get(document_url, {"customer": person.pk, "language": "fr"})
    assert document.status_code == 200
    html = document.content.decode()
    assert "Héloïse" in html and 'lang="fr"' in html
    policy = document["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy and document["X-Frame-Options"] == "SAMEORIGIN"
    assert analyst.get(document_url, {"customer": foreign.pk}).status_code == 404
    assert analyst.get(document_url).status_code == 404
    assert analyst.post(document_url, {"customer": person.pk}).status_code == 405
