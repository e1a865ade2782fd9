"""Reads of associate outreach: whose tasks a member sees, and the purchases attributed to tasks done.

Who sees a task:
- a sales associate: the tasks assigned to them;
- a retailer manager: the tasks of their store, and any assigned to them;
- brand staff (dashboard): every task of the brand.
Any other id gives the same 404 as a missing one (the views fetch through these querysets).

Attribution (last touch): a purchase (an order of any source or a warranty registration, see
customers.selectors.purchase_list) by the task's customer within ATTRIBUTION_DAYS days after the task was
done is attributed to that task; when several tasks of the customer qualify, to the latest done before the
purchase, so no purchase counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from campaigns.outreach.models import OutreachTask, TaskOutcome, TaskStatus
from customers import selectors as customer_selectors
from jewelcrm.accounts.roles import BRAND_ROLES, Role

ATTRIBUTION_DAYS = 30
ATTRIBUTION_CHOICES = (7, 30, 90)

# ?sort= value -> ordering (a stable tie-breaker last).
SORTS = {
    "due": ("due_on", "id"),
    "-due": ("-due_on", "-id"),
    "customer": ("customer__last_name", "customer__first_name", "id"),
    "-customer": ("-customer__last_name", "-customer__first_name", "-id"),
    "done": ("-done_at", "-id"),
}


def outreach_task_list(
    *,
    brand: Any,
    membership: Any,
    status: str = "",
    outcome: str = "",
    sort: str = "due",
    store_id: int | None = None,
) -> QuerySet[OutreachTask]:
    """The tasks this member sees (see the module's docstring), with customer, assignee and store;
    optionally of one store only."""
    tasks = OutreachTask.objects.filter(brand=brand)
    if membership.role == Role.RETAIL_MANAGER and membership.store_id:
        tasks = tasks.filter(Q(store_id=membership.store_id) | Q(assignee_id=membership.user_id))
    elif membership.role not in BRAND_ROLES:
        tasks = tasks.filter(assignee_id=membership.user_id)
    if status in TaskStatus.values:
        tasks = tasks.filter(status=status)
    if outcome in TaskOutcome.values:
        tasks = tasks.filter(outcome=outcome)
    if store_id is not None:
        tasks = tasks.filter(store_id=store_id)
    return tasks.select_related("customer", "assignee", "store", "done_by").order_by(
        *SORTS.get(sort, SORTS["due"])
    )


def outreach_task_get(*, brand: Any, membership: Any, task_id: int) -> OutreachTask | None:
    """One task this member may see; None for another store's, another associate's or another brand's."""
    return outreach_task_list(brand=brand, membership=membership).filter(pk=task_id).first()


def outreach_open_count(*, brand: Any, membership: Any) -> int:
    return outreach_task_list(brand=brand, membership=membership, status=TaskStatus.OPEN).count()


def _attributed_purchases(*, brand: Any, days: int) -> QuerySet:
    """Purchases attributed to a task: (task_id, net_value) rows, one per purchase."""
    window = timedelta(days=days)
    latest_task = (
        OutreachTask.objects.filter(
            brand=brand,
            customer_id=OuterRef("customer_id"),
            status=TaskStatus.DONE,
            done_at__lt=OuterRef("ordered_at"),
            done_at__gte=OuterRef("ordered_at") - window,
        )
        .order_by("-done_at", "-id")
        .values("id")[:1]
    )
    done_customers = OutreachTask.objects.filter(brand=brand, status=TaskStatus.DONE).values("customer_id")
    return (
        customer_selectors.purchase_list(brand=brand)
        .filter(customer_id__in=done_customers)
        .annotate(task_id=Subquery(latest_task))
        .filter(task_id__isnull=False)
    )


@dataclass
class Conversion:
    purchases: int = 0
    revenue: Decimal = Decimal("0")


def outreach_attribution(
    *, brand: Any, days: int = ATTRIBUTION_DAYS, task_ids: list[int] | None = None
) -> dict[int, Conversion]:
    """Per task done, the purchases attributed to it and their revenue (brand currency, net). One query."""
    rows = _attributed_purchases(brand=brand, days=days)
    if task_ids is not None:
        rows = rows.filter(task_id__in=task_ids)
    grouped = rows.order_by().values("task_id").annotate(n=Count("id"), revenue=Sum(F("net_value")))
    return {
        row["task_id"]: Conversion(purchases=row["n"], revenue=row["revenue"] or Decimal("0"))
        for row in grouped
    }


def outreach_summary(
    *, brand: Any, membership: Any, days: int = ATTRIBUTION_DAYS, store_id: int | None = None
) -> dict[str, Any]:
    """Counts of the tasks this member sees (optionally of one store): open, done, done by outcome (every
    outcome, zeros included), tasks that converted, attributed purchases and revenue. Three queries."""
    tasks = outreach_task_list(brand=brand, membership=membership, store_id=store_id).order_by()
    by_status = dict(tasks.values_list("status").annotate(n=Count("id")))
    by_outcome = dict(tasks.filter(status=TaskStatus.DONE).values_list("outcome").annotate(n=Count("id")))
    visible_done = tasks.filter(status=TaskStatus.DONE).values("id")
    attributed = _attributed_purchases(brand=brand, days=days).filter(task_id__in=visible_done).order_by()
    totals = attributed.aggregate(
        purchases=Count("id"), converted=Count("task_id", distinct=True), revenue=Sum("net_value")
    )
    done = by_status.get(TaskStatus.DONE, 0)
    return {
        "open": by_status.get(TaskStatus.OPEN, 0),
        "done": done,
        "by_outcome": [(value, label, by_outcome.get(value, 0)) for value, label in TaskOutcome.choices],
        "converted": totals["converted"] or 0,
        "purchases": totals["purchases"] or 0,
        "revenue": totals["revenue"] or Decimal("0"),
        "conversion_percent": round(100 * (totals["converted"] or 0) / done) if done else None,
        "days": days,
    }
