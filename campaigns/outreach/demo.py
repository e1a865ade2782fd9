"""Demo outreach tasks: wedding anniversaries of customers who have an associate, a third already done
with an outcome, so the intranet list, the client book section and the marketers' counts are not empty."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from campaigns.outreach.models import TaskOutcome, TaskStatus
from campaigns.outreach.services import outreach_task_create
from customers import selectors as customer_selectors
from jewelcrm.demo import DemoContext

TASKS = {"full": 24, "small": 6}


def seed(ctx: DemoContext) -> None:
    brand, rng, today = ctx.brand, ctx.rng, ctx.today
    customers = list(
        customer_selectors.customer_list(brand=brand)
        .filter(assigned_associate__isnull=False, wedding_anniversary__isnull=False, is_pseudonymised=False)
        .order_by("pk")[: TASKS.get(ctx.size, 6)]
    )
    outcomes = list(TaskOutcome.values)
    for index, customer in enumerate(customers):
        on = customer.wedding_anniversary.replace(year=today.year)  # type: ignore[union-attr]
        if customer.wedding_anniversary.month == 2 and customer.wedding_anniversary.day == 29:  # type: ignore[union-attr]
            on = on.replace(day=28)
        task = outreach_task_create(
            brand=brand,
            customer_id=customer.pk,
            key=f"demo:wedding:{customer.pk}:{today.year}",
            due_on=on - timedelta(days=7),
            title=f"{customer.full_name}'s wedding anniversary is on {on:%d %B}",
            detail="Suggest a piece to mark the day, or an engraving of a piece they own.",
        )
        if index % 3 == 0 and task.status == TaskStatus.OPEN:
            _done(task, outcome=rng.choice(outcomes), days_ago=rng.randint(2, 40))


def _done(task: Any, *, outcome: str, days_ago: int) -> None:
    task.status = TaskStatus.DONE
    task.outcome = outcome
    task.note = "Demo: noted by the associate."
    task.done_at = timezone.now() - timedelta(days=days_ago)
    task.done_by_id = task.assignee_id
    task.save(update_fields=["status", "outcome", "note", "done_at", "done_by"])
