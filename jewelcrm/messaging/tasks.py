"""Delivery and relay of the send log. Thin: ids in, the delivery module does the work (it never imports
this module; the services enqueue these tasks)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from jewelcrm.messaging.delivery import DELIVERY_TIME_LIMIT
from jewelcrm.tenancy.context import dangerously_no_brand
from jewelcrm.tenancy.tasks import brand_task, for_each_brand


@shared_task(acks_late=True, soft_time_limit=DELIVERY_TIME_LIMIT - 10, time_limit=DELIVERY_TIME_LIMIT)
def deliver_message_task(brand_id: int, message_id: int) -> str:
    """Not a brand_task: the delivery commits its claim before sending, so it opens the brand's context
    twice itself (message_deliver), starting from none."""
    from jewelcrm.messaging.delivery import message_deliver

    with dangerously_no_brand():
        return message_deliver(brand_id=int(brand_id), message_id=message_id)


def _enqueue(*, brand_id: int, message_id: int) -> Any:
    import logging

    try:
        return deliver_message_task.apply_async((brand_id, message_id), retry=False)
    except Exception:  # noqa: BLE001 - still pending in the send log: the next relay enqueues it again
        logging.getLogger(__name__).warning("messaging: could not enqueue message %s", message_id)
        return None


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
@brand_task
def relay_messages_task(brand_id: int) -> int:
    from jewelcrm.messaging.delivery import message_relay

    return message_relay(brand=brand_id, enqueue=_enqueue)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def relay_messages_all_task() -> list[int]:
    """Every minute: one relay task per active brand."""
    return for_each_brand(relay_messages_task)
