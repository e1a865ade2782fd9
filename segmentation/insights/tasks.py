"""Nightly rebuild of the insights tables, one task per brand."""

from __future__ import annotations

from celery import shared_task

from jewelcrm.tenancy.tasks import brand_task, for_each_brand


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
@brand_task
def refresh_insights_task(brand_id: int) -> int:
    from jewelcrm.accounts.models import Brand
    from segmentation.insights.services import insights_refresh

    brand = Brand.objects.get(pk=brand_id)
    return insights_refresh(brand=brand).rows


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def refresh_all_insights_task() -> list[int]:
    return for_each_brand(refresh_insights_task)


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
@brand_task
def refresh_mix_task(brand_id: int) -> int:
    """After the price bands were edited: the product mix grouped again by the new bands."""
    from jewelcrm.accounts.models import Brand
    from segmentation.insights.services import insights_mix_refresh

    brand = Brand.objects.get(pk=brand_id)
    return insights_mix_refresh(brand=brand)
