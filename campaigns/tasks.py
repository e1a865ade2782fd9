"""The campaigns engine's tasks. Thin: ids in, services do the work.

Each task enters the brand's context once per transaction (the evaluation of a day, each batch of the
hand-over) instead of wrapping the whole call in one: see jewelcrm/tenancy/README.md.
"""

from __future__ import annotations

from celery import shared_task

from jewelcrm.tenancy.tasks import for_each_brand


def _brand(brand_id: int):  # noqa: ANN202
    from jewelcrm.accounts.models import Brand

    brand = Brand.objects.filter(pk=int(brand_id), is_active=True).first()
    if brand is None:
        raise LookupError(f"No brand {brand_id}")
    return brand


@shared_task(acks_late=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def evaluate_journeys_task(brand_id: int) -> list[str]:
    """Today's journeys of one brand (and missed days within the catch-up policy), then the hand-over."""
    from campaigns.services import journeys_evaluate

    return [str(run.local_date) for run in journeys_evaluate(brand=_brand(brand_id))]


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def evaluate_journeys_all_task() -> list[int]:
    """Hourly: one evaluation per active brand. A brand's local day is evaluated at the first beat after
    its midnight; later beats of the same day find the day's run and do nothing but hand over leftovers."""
    return for_each_brand(evaluate_journeys_task)


@shared_task(acks_late=True, soft_time_limit=20 * 60, time_limit=25 * 60)
def start_due_campaigns_task(brand_id: int) -> list[int]:
    from campaigns.services import campaigns_start_due

    return campaigns_start_due(brand=_brand(brand_id))


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def start_due_campaigns_all_task() -> list[int]:
    """Every five minutes: scheduled campaigns whose time has come, one task per active brand."""
    return for_each_brand(start_due_campaigns_task)
