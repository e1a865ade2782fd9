"""Tasks that recorded the owner portal's e-mails after the transaction that caused them.

No code enqueues them any more: the services record these e-mails in the send log inside their own
transaction (the outbox, ADR 0012). They stay registered so that tasks already queued when this version is
deployed still run; each records nothing twice (the send log's key names the occasion). Remove them in the
next release.
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
