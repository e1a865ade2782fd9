import csv
import io

import pytest
from django.urls import reverse

from campaigns.audiences import services
from campaigns.audiences.hashing import sha256
from campaigns.audiences.models import AudienceExport, AudienceUploadBatch
from campaigns.audiences.tests.factories import SegmentFactory, member
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from segmentation.models import SegmentMember

pytestmark = pytest.mark.django_db


def _url(brand, name, **kwargs):
    return reverse(f"campaign_audiences:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


def _export(brand, segment, destination="file", audience_id=""):
    with brand_context(brand):
        return services.audience_export_create(
            brand=brand, segment=segment, destination=destination, platform_audience_id=audience_id
        )


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("admin", 200),
        ("marketer", 200),
        ("analyst", 403),
        ("retail_manager", 403),
        ("sales_associate", 403),
    ],
)
def test_pages_per_role(brand, client_for, role, status):
    segment = SegmentFactory(brand=brand)
    export = _export(brand, segment)
    client = client_for(brand, role)
    assert client.get(_url(brand, "list")).status_code == status
    assert client.get(_url(brand, "detail", pk=export.pk)).status_code == status
    assert client.get(_url(brand, "download", pk=export.pk)).status_code == status
    response = client.post(_url(brand, "list"), {"segment": segment.pk, "destination": "file"})
    assert response.status_code == (302 if status == 200 else 403)
    with brand_context(brand):
        assert AudienceExport.objects.count() == (2 if status == 200 else 1)


def test_marketer_exports_a_segment_and_downloads_the_hashed_file(brand, marketer_client):
    segment = SegmentFactory(brand=brand, name="Best clients")
    weber = member(
        segment,
        email=" Helene.Weber@Example.test",
        phone="06 12 34 56 78",
        first_name="Hélène",
        last_name="Weber",
        country="FR",
        postal_code="75008",
    )
    member(segment, consent=False)

    response = marketer_client.post(_url(brand, "list"), {"segment": segment.pk, "destination": "file"})

    with brand_context(brand):
        export = AudienceExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(brand, "detail", pk=export.pk)
    page = marketer_client.get(response["Location"]).content.decode()
    assert 'data-testid="members">1<' in page
    assert 'data-testid="left-out">1 ' in page

    download = marketer_client.get(_url(brand, "download", pk=export.pk) + "?part=members")
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert f"audience-{brand.slug}-{export.pk}-members.csv" in download["Content-Disposition"]
    rows = _csv(download)
    assert rows == [
        ["EMAIL", "PHONE", "FN", "LN", "COUNTRY", "ZIP"],
        [
            sha256("helene.weber@example.test"),
            sha256("33612345678"),
            sha256("hélène"),
            sha256("weber"),
            sha256("fr"),
            sha256("75008"),
        ],
    ]
    assert "weber" not in b"".join(download.streaming_content).decode().lower()
    with brand_context(brand):
        assert AuditLog.objects.filter(action="audiences.download").count() == 1
    del weber


def test_the_removals_file_lists_who_left(brand, marketer_client):
    segment = SegmentFactory(brand=brand)
    gone = member(segment, email="gone@example.test")
    member(segment, email="stays@example.test")
    _export(brand, segment)
    with brand_context(brand):
        SegmentMember.objects.filter(customer=gone).delete()
    second = _export(brand, segment)

    rows = _csv(marketer_client.get(_url(brand, "download", pk=second.pk) + "?part=remove"))
    assert [r[0] for r in rows[1:]] == [sha256("gone@example.test")]
    additions = _csv(marketer_client.get(_url(brand, "download", pk=second.pk) + "?part=add"))
    assert additions[1:] == []
    assert marketer_client.get(_url(brand, "download", pk=second.pk) + "?part=all").status_code == 404


def test_meta_export_without_audience_id_is_refused(brand, marketer_client):
    segment = SegmentFactory(brand=brand)
    response = marketer_client.post(_url(brand, "list"), {"segment": segment.pk, "destination": "meta"})
    assert response.status_code == 400
    with brand_context(brand):
        assert AudienceExport.objects.count() == 0


def test_upload_claims_the_batches_and_enqueues(brand, marketer_client, settings, monkeypatch):
    settings.META_ADS_ACCESS_TOKEN = "configured"  # noqa: S105
    enqueued = []
    from campaigns.audiences import tasks

    monkeypatch.setattr(tasks.upload_audience_task, "delay", lambda *args: enqueued.append(args))
    segment = SegmentFactory(brand=brand)
    member(segment)
    export = _export(brand, segment, "meta", "777")

    response = marketer_client.post(_url(brand, "upload", pk=export.pk))

    assert response.status_code == 302
    with brand_context(brand):
        export.refresh_from_db()
        batches = list(
            AudienceUploadBatch.objects.filter(export=export).values_list("action", "number", "row_count")
        )
    assert export.status == "uploading"
    assert batches == [("add", 1, 1)]


def test_upload_is_off_without_a_token(brand, marketer_client, settings):
    settings.META_ADS_ACCESS_TOKEN = ""
    segment = SegmentFactory(brand=brand)
    member(segment)
    export = _export(brand, segment, "meta", "777")
    marketer_client.post(_url(brand, "upload", pk=export.pk))
    with brand_context(brand):
        assert AudienceUploadBatch.objects.count() == 0


def test_another_brands_export_is_a_404(brand, other_brand, marketer_client):
    foreign = _export(other_brand, SegmentFactory(brand=other_brand))
    assert marketer_client.get(_url(brand, "detail", pk=foreign.pk)).status_code == 404
    assert marketer_client.get(_url(brand, "download", pk=foreign.pk)).status_code == 404
    assert marketer_client.post(_url(brand, "upload", pk=foreign.pk)).status_code == 404
    assert marketer_client.get(_url(other_brand, "list")).status_code == 404
    # Another brand's segment id in the form: refused, nothing exported.
    response = marketer_client.post(
        _url(brand, "list"), {"segment": foreign.segment_id, "destination": "file"}
    )
    assert response.status_code == 400
    with brand_context(brand):
        assert AudienceExport.objects.count() == 0


def test_pages_in_french(brand, marketer_client):
    export = _export(brand, SegmentFactory(brand=brand))
    body = marketer_client.get(_url(brand, "list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Audiences publicitaires" in body
    body = marketer_client.get(
        _url(brand, "detail", pk=export.pk), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Téléchargement d’un fichier" in body
    assert "Suppressions" in body
