from datetime import UTC, datetime

import pytest

from campaigns.audiences import services
from campaigns.audiences.hashing import sha256
from campaigns.audiences.models import AudienceExportMember, AudienceUploadBatch
from campaigns.audiences.tests.factories import (
    SegmentFactory,
    advertising_consent,
    member,
)
from campaigns.audiences.tests.fake_meta import FakeMeta
from customers.tests.factories import ConsentFactory
from jewelcrm.accounts.models import AuditLog
from jewelcrm.tenancy.context import brand_context
from segmentation.models import SegmentMember

pytestmark = pytest.mark.django_db


def _export(brand, segment, destination="file", audience_id=""):
    with brand_context(brand):
        return services.audience_export_create(
            brand=brand, segment=segment, destination=destination, platform_audience_id=audience_id
        )


def _rows(brand, export):
    with brand_context(brand):
        return {(m.customer_id, m.action): m for m in AudienceExportMember.objects.filter(export=export)}


def test_only_members_with_a_current_advertising_consent_are_exported(brand):
    segment = SegmentFactory(brand=brand)
    yes = member(segment, email="Yes@Example.test")
    no_consent = member(segment, consent=False)
    withdrawn = member(segment)
    advertising_consent(withdrawn, granted=False, at=datetime(2030, 1, 1, tzinfo=UTC))
    marketing_only = member(segment, consent=False)
    ConsentFactory(brand=brand, customer=marketing_only, purpose="marketing")
    unconfirmed = member(segment, consent=False)
    ConsentFactory(brand=brand, customer=unconfirmed, purpose="advertising", is_confirmed=False)
    nothing_to_match = member(segment, email="", phone="")
    member(SegmentFactory(brand=brand))  # another segment

    export = _export(brand, segment)

    rows = _rows(brand, export)
    assert set(rows) == {(yes.pk, "add")}
    assert rows[(yes.pk, "add")].email == sha256("yes@example.test")
    assert (export.member_count, export.added_count, export.removed_count, export.left_out_count) == (
        1,
        1,
        0,
        5,
    )
    del no_consent, nothing_to_match


def test_next_export_lists_who_left_withdrew_or_changed(brand):
    segment = SegmentFactory(brand=brand)
    stays = member(segment)
    leaves = member(segment)
    withdraws = member(segment)
    changes = member(segment, email="old@example.test")
    first = _export(brand, segment)
    assert (first.added_count, first.removed_count) == (4, 0)

    with brand_context(brand):
        SegmentMember.objects.filter(customer=leaves).delete()
        changes.email = "new@example.test"
        changes.save()
    advertising_consent(withdraws, granted=False, at=datetime(2030, 1, 1, tzinfo=UTC))
    joins = member(segment)

    second = _export(brand, segment)

    rows = _rows(brand, second)
    assert set(rows) == {
        (stays.pk, "keep"),
        (joins.pk, "add"),
        (changes.pk, "add"),
        (changes.pk, "remove"),
        (leaves.pk, "remove"),
        (withdraws.pk, "remove"),
    }
    assert second.previous_id == first.pk
    assert rows[(changes.pk, "remove")].email == sha256("old@example.test")
    assert rows[(changes.pk, "add")].email == sha256("new@example.test")
    assert rows[(leaves.pk, "remove")].hashes() == _rows(brand, first)[(leaves.pk, "add")].hashes()
    assert (second.member_count, second.added_count, second.removed_count) == (3, 2, 3)

    # Removed people are not removed again by the export after.
    third = _export(brand, segment)
    assert (third.member_count, third.added_count, third.removed_count) == (3, 0, 0)


def test_removals_are_per_destination(brand):
    segment = SegmentFactory(brand=brand)
    gone = member(segment)
    _export(brand, segment, "file")
    with brand_context(brand):
        SegmentMember.objects.filter(customer=gone).delete()
    meta = _export(brand, segment, "meta", "123")
    assert meta.previous_id is None
    assert meta.removed_count == 0


def test_export_is_audited_without_personal_data(brand):
    segment = SegmentFactory(brand=brand)
    member(segment, email="private@example.test")
    export = _export(brand, segment)
    with brand_context(brand):
        audit = AuditLog.objects.get(action="audiences.export")
    assert audit.object_id == str(export.pk)
    assert audit.data == {
        "segment_id": segment.pk,
        "destination": "file",
        "members": 1,
        "added": 1,
        "removed": 0,
        "left_out": 0,
    }
    assert "private" not in str(audit.data)


def test_a_meta_export_needs_an_audience_id_and_remembers_it(brand):
    segment = SegmentFactory(brand=brand)
    with pytest.raises(services.AudienceExportRefused):
        _export(brand, segment, "meta", "")
    first = _export(brand, segment, "meta", "238512")
    second = _export(brand, segment, "meta", "")
    assert (first.platform_audience_id, second.platform_audience_id) == ("238512", "238512")


def test_another_brands_segment_members_never_leak(brand, other_brand):
    segment = SegmentFactory(brand=brand)
    mine = member(segment)
    foreign_segment = SegmentFactory(brand=other_brand)
    member(foreign_segment)
    export = _export(brand, segment)
    assert set(_rows(brand, export)) == {(mine.pk, "add")}


# --- uploads through the send log of batches ----------------------------------------------------------


@pytest.fixture
def meta():
    fake = FakeMeta()
    yield fake
    fake.close()


@pytest.fixture
def client(meta):
    from campaigns.audiences.meta import MetaAudienceClient

    return MetaAudienceClient(access_token="fake", base_url=meta.url, sleep=lambda s: None, max_attempts=2)  # noqa: S106


def _upload_ready(brand, settings, size=2):
    settings.META_AUDIENCE_BATCH_SIZE = size
    segment = SegmentFactory(brand=brand)
    gone = [member(segment) for _ in range(3)]
    _export(brand, segment, "meta", "777")
    with brand_context(brand):
        SegmentMember.objects.filter(customer__in=gone).delete()
    kept = [member(segment) for _ in range(5)]
    export = _export(brand, segment, "meta", "777")
    with brand_context(brand):
        services.audience_upload_start(brand=brand, export=export)
    return export, kept, gone


def test_upload_sends_additions_and_removals_in_batches(brand, settings, meta, client):
    export, kept, gone = _upload_ready(brand, settings)

    assert services.audience_upload(brand_id=brand.pk, export_id=export.pk, client=client) == "uploaded"

    adds = [c for c in meta.calls if c["method"] == "POST"]
    removes = [c for c in meta.calls if c["method"] == "DELETE"]
    assert [len(c["payload"]["data"]) for c in adds] == [2, 2, 1]
    assert [len(c["payload"]["data"]) for c in removes] == [2, 1]
    assert [c["session"]["batch_seq"] for c in adds] == [1, 2, 3]
    assert [c["session"]["last_batch_flag"] for c in adds] == [False, False, True]
    assert {c["session"]["session_id"] for c in adds} == {export.pk * 10 + 1}
    assert {c["path"] for c in meta.calls} == {"/v21.0/777/users"}
    sent_emails = {row[0] for c in adds for row in c["payload"]["data"]}
    assert sent_emails == {sha256(c.email) for c in kept}
    removed_emails = {row[0] for c in removes for row in c["payload"]["data"]}
    assert removed_emails == {sha256(c.email) for c in gone}
    with brand_context(brand):
        export.refresh_from_db()
        statuses = list(AudienceUploadBatch.objects.filter(export=export).values_list("status", flat=True))
    assert export.status == "uploaded"
    assert statuses == ["sent"] * 5


def test_a_retry_never_uploads_a_batch_twice(brand, settings, meta, client):
    export, _kept, _gone = _upload_ready(brand, settings)
    # The second add batch fails twice (the client's attempts): the task must try again later.
    meta.script = [(200, {"num_received": 2}, {}), (503, {}, {}), (503, {}, {})]

    with pytest.raises(services.UploadToRetry):
        services.audience_upload(brand_id=brand.pk, export_id=export.pk, client=client)
    assert len(meta.calls) == 3

    meta.calls.clear()
    assert services.audience_upload(brand_id=brand.pk, export_id=export.pk, client=client) == "uploaded"
    # Batch 1 was sent before: only batches 2 and 3 of the additions and both removals go now.
    assert [(c["method"], c["session"]["batch_seq"]) for c in meta.calls] == [
        ("POST", 2),
        ("POST", 3),
        ("DELETE", 1),
        ("DELETE", 2),
    ]
    meta.calls.clear()
    services.audience_upload(brand_id=brand.pk, export_id=export.pk, client=client)
    assert meta.calls == []
    with brand_context(brand):
        attempts = dict(
            AudienceUploadBatch.objects.filter(export=export, action="add").values_list("number", "attempts")
        )
    assert attempts == {1: 1, 2: 2, 3: 1}


def test_starting_again_claims_no_new_batch(brand, settings, meta, client):
    export, _kept, _gone = _upload_ready(brand, settings)
    with brand_context(brand):
        services.audience_upload_start(brand=brand, export=export)
        assert AudienceUploadBatch.objects.filter(export=export).count() == 5


def test_a_permanent_refusal_fails_the_export_and_stops(brand, settings, meta, client):
    export, _kept, _gone = _upload_ready(brand, settings)
    meta.script = [(400, {"error": {"message": "Audience does not exist", "code": 100}}, {})]

    assert services.audience_upload(brand_id=brand.pk, export_id=export.pk, client=client) == "failed"

    assert len(meta.calls) == 1
    with brand_context(brand):
        export.refresh_from_db()
        failed = AudienceUploadBatch.objects.get(export=export, status="failed")
    assert export.status == "failed"
    assert "Audience does not exist" in export.last_error
    assert (failed.action, failed.number) == ("add", 1)
