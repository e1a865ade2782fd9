"""Delivery and relay of the send log. Thin: ids in, the service does the work."""

from __future__ import annotations

from celery import shared_task

from jewelcrm.messaging.services import DELIVERY_TIME_LIMIT
from jewelcrm.tenancy.tasks import brand_task, for_each_brand


@shared_task(acks_late=True, soft_time_limit=DELIVERY_TIME_LIMIT - 10, time_limit=DELIVERY_TIME_LIMIT)
@brand_task
def deliver_message_task(brand_id: int, message_id: int) -> str:
    from jewelcrm.messaging.services import message_deliver

    return message_deliver(message_id=message_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
@brand_task
def relay_messages_task(brand_id: int) -> int:
    from jewelcrm.messaging.services import message_relay

    return message_relay(brand=brand_id)


@shared_task(soft_time_limit=50, time_limit=60)
def relay_messages_all_task() -> list[int]:
    """Every minute: one relay task per active brand."""
    return for_each_brand(relay_messages_task)
