"""Two workers uploading the same export at once (a redelivered task, a double click): every batch reaches
the platform exactly once. Real commits (transactional_db), one connection per thread, a real HTTP fake."""

import threading

import pytest
from django.db import connection

from campaigns.audiences import services
from campaigns.audiences.meta import MetaAudienceClient
from campaigns.audiences.models import AudienceUploadBatch
from campaigns.audiences.tests.factories import SegmentFactory, member
from campaigns.audiences.tests.fake_meta import FakeMeta
from jewelcrm.tenancy.context import brand_context
from tests.factories import BrandFactory


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_batch_once(settings):
    settings.META_AUDIENCE_BATCH_SIZE = 3
    brand = BrandFactory()
    segment = SegmentFactory(brand=brand)
    for _ in range(10):
        member(segment)
    with brand_context(brand):
        export = services.audience_export_create(
            brand=brand, segment=segment, destination="meta", platform_audience_id="555"
        )
        services.audience_upload_start(brand=brand, export=export)
    fake = FakeMeta()
    results, errors = [], []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            client = MetaAudienceClient(access_token="fake", base_url=fake.url, sleep=lambda s: None)  # noqa: S106
            start.wait()
            results.append(services.audience_upload(brand_id=brand.pk, export_id=export.pk, client=client))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        fake.close()

    assert errors == []
    assert results == ["uploaded", "uploaded"]
    sent = sorted(c["session"]["batch_seq"] for c in fake.calls)
    assert sent == [1, 2, 3, 4]
    assert sum(len(c["payload"]["data"]) for c in fake.calls) == 10
    with brand_context(brand):
        assert set(AudienceUploadBatch.objects.filter(export=export).values_list("status", flat=True)) == {
            "sent"
        }


@pytest.mark.django_db
def test_the_task_uploads_through_the_service(brand, settings, monkeypatch):
    from campaigns.audiences import tasks

    segment = SegmentFactory(brand=brand)
    member(segment)
    with brand_context(brand):
        export = services.audience_export_create(
            brand=brand, segment=segment, destination="meta", platform_audience_id="555"
        )
        services.audience_upload_start(brand=brand, export=export)
    fake = FakeMeta()
    monkeypatch.setattr(
        services,
        "meta_client",
        lambda: MetaAudienceClient(access_token="fake", base_url=fake.url),  # noqa: S106
    )
    try:
        result = tasks.upload_audience_task.apply(args=(brand.pk, export.pk)).get()
    finally:
        fake.close()
    assert result == "uploaded"
    assert [c["method"] for c in fake.calls] == ["POST"]


@pytest.mark.django_db
def test_the_task_gives_up_after_its_retries_and_the_export_shows_it(brand, monkeypatch):
    from campaigns.audiences import tasks

    segment = SegmentFactory(brand=brand)
    member(segment)
    with brand_context(brand):
        export = services.audience_export_create(
            brand=brand, segment=segment, destination="meta", platform_audience_id="555"
        )
        services.audience_upload_start(brand=brand, export=export)
    fake = FakeMeta()
    fake.script = [(503, {"error": {"message": "Service unavailable"}}, {})] * 2
    monkeypatch.setattr(
        services,
        "meta_client",
        lambda: MetaAudienceClient(
            access_token="fake",  # noqa: S106 - the fake's token
            base_url=fake.url,
            sleep=lambda s: None,
            max_attempts=2,
        ),
    )
    try:
        # The last allowed try (retries == max_retries) still refused.
        result = tasks.upload_audience_task.apply(args=(brand.pk, export.pk), retries=6).get()
    finally:
        fake.close()
    assert result == "failed"
    with brand_context(brand):
        export.refresh_from_db()
        batch = AudienceUploadBatch.objects.get(export=export)
    assert export.status == "failed"
    assert "HTTP 503" in export.last_error
    assert (batch.status, batch.attempts) == ("pending", 1)
