"""The upload of an ad audience to Meta: thin, ids in; the service sends each batch at most once, one
brand_context per batch (several transactions, so not wrapped in brand_task)."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=6, soft_time_limit=60 * 25, time_limit=60 * 30)
def upload_audience_task(self, brand_id: int, export_id: int) -> str:  # noqa: ANN001
    from campaigns.audiences.services import UploadToRetry, audience_upload, audience_upload_give_up

    try:
        return audience_upload(brand_id=brand_id, export_id=export_id)
    except UploadToRetry as error:
        if self.request.retries >= self.max_retries:
            # Still refused after about two hours: the export shows it failed; "Upload again" resumes
            # from the batches not sent.
            return audience_upload_give_up(brand_id=brand_id, export_id=export_id, reason=str(error))
        raise self.retry(exc=error, countdown=min(60 * 2**self.request.retries, 3600)) from error
