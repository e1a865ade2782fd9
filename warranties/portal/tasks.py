"""E-mails of the owner portal sent by Celery after the transaction that caused them has committed.

Tasks take ids, re-fetch inside the brand's context (brand_task), call one function of `emails` per
e-mail, and send nothing when the row is gone or its state no longer calls for the message.
"""

from __future__ import annotations

from jewelcrm.tenancy.tasks import brand_task
from warranties.tasks import email_task


@email_task
@brand_task
def send_owner_approval_email_task(brand_id: int, approval_id: int) -> int:
    from warranties.portal import emails

    return emails.owner_approval_email_send(approval_id=approval_id)


@email_task
@brand_task
def send_transfer_previous_owner_email_task(brand_id: int, transfer_id: int) -> int:
    from warranties.portal import emails

    return emails.transfer_previous_owner_email_send(transfer_id=transfer_id)


@email_task
@brand_task
def send_transfer_new_owner_email_task(brand_id: int, transfer_id: int) -> int:
    from warranties.portal import emails

    return emails.transfer_new_owner_email_send(transfer_id=transfer_id)


@email_task
@brand_task
def send_loss_brand_alert_task(brand_id: int, event_id: int) -> int:
    from warranties.portal import emails

    return emails.loss_brand_alert_send(event_id=event_id)


@email_task
@brand_task
def send_loss_owner_alert_task(brand_id: int, event_id: int) -> int:
    from warranties.portal import emails

    return emails.loss_owner_alert_send(event_id=event_id)
