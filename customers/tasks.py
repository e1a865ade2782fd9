"""Tasks of the customer hub: the GDPR retention rule, run nightly for every brand."""

from __future__ import annotations

from celery import shared_task

from jewelcrm.tenancy.tasks import brand_task


@shared_task(acks_late=True, time_limit=60 * 20, soft_time_limit=60 * 19)
@brand_task
def apply_customer_retention_task(brand_id: int) -> int:
    """Erase the brand's customers inactive for longer than its retention period. Idempotent: an erased
    profile is no longer a candidate."""
    from customers import gdpr
    from jewelcrm.accounts.models import Brand

    brand = Brand.objects.get(pk=brand_id)
    return len(gdpr.retention_apply(brand=brand))


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def apply_customer_retention_all_task() -> int:
    """Fan out one retention task per active brand (the Brand table is not brand-owned)."""
    from jewelcrm.tenancy.tasks import for_each_brand

    return len(for_each_brand(apply_customer_retention_task))


@shared_task(acks_late=True, time_limit=60 * 20, soft_time_limit=60 * 19)
@brand_task
def refresh_book_ranks_task(brand_id: int) -> int:
    """The kept ranks of the brand's client books (customers.book_ranks), rewritten once the brand's local
    day has moved on since they were computed (the window of important dates moves each day). Returns the
    rows written (0: already today's)."""
    from customers.book_ranks import book_ranks_computed_on, book_ranks_refresh, brand_today
    from jewelcrm.accounts.models import Brand

    brand = Brand.objects.get(pk=brand_id)
    today = brand_today(brand)
    computed = book_ranks_computed_on(brand_id=brand_id)
    if computed is not None and computed >= today:
        return 0
    from django.db import transaction

    with transaction.atomic():
        return book_ranks_refresh(brand_id=brand_id, today=today)


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def refresh_book_ranks_all_task() -> int:
    """Fan out one client-book ranks task per active brand; each does nothing if already done today."""
    from jewelcrm.tenancy.tasks import for_each_brand

    return len(for_each_brand(refresh_book_ranks_task))
