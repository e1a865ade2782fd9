"""E-mails of the warranty core, sent by Celery after the transaction that caused them has committed.

Tasks take ids, re-fetch inside the brand's context (brand_task) and do nothing when the row is gone.
"""

from __future__ import annotations

from celery import shared_task

from jewelcrm.tenancy.tasks import brand_task

# E-mail tasks: retried with backoff when the mail server cannot be reached, never for long.
email_task = shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=50,
    time_limit=60,
)


@email_task
@brand_task
def send_registration_email_task(brand_id: int, registration_id: int) -> bool:
    from warranties import emails

    return emails.registration_email_send(registration_id=registration_id)


@email_task
@brand_task
def send_flagged_item_alert_task(brand_id: int, item_id: int, store_id: int | None) -> int:
    from warranties import emails

    return emails.flagged_item_alert_send(item_id=item_id, store_id=store_id)


@email_task
@brand_task
def send_intervention_ready_email_task(brand_id: int, intervention_id: int) -> bool:
    from warranties import emails

    return emails.intervention_ready_email_send(intervention_id=intervention_id)
