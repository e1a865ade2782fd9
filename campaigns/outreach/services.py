"""Writes of associate outreach: create a task (idempotent per occasion), mark it done with its outcome."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.outreach.models import OutreachTask, TaskOutcome, TaskStatus
from customers import selectors as customer_selectors
from jewelcrm.accounts import selectors as account_selectors
from jewelcrm.accounts.roles import RETAIL_ROLES, Role
from jewelcrm.accounts.services import audit_log_record

__all__ = ["outreach_task_assignee", "outreach_task_complete", "outreach_task_create"]


def outreach_task_assignee(*, brand: Any, customer: Any) -> tuple[int | None, int | None]:
    """(user id, store id) of who gets a task about `customer`.

    The customer's assigned associate while they still hold an active retail membership of the brand (the
    intranet is where tasks are done); failing
    that, the first active manager of the customer's home store (oldest membership first); failing that,
    nobody (the store's managers and the brand's marketers still see the task). The store is the customer's
    home store, else the associate's store.
    """
    store_id = customer.home_store_id
    if customer.assigned_associate_id is not None:
        membership = account_selectors.membership_get(brand=brand, user=customer.assigned_associate)
        if membership is not None and membership.role in RETAIL_ROLES:
            return customer.assigned_associate_id, store_id or membership.store_id
    if store_id is not None:
        manager = (
            account_selectors.membership_list(brand=brand, store_id=store_id)
            .filter(role=Role.RETAIL_MANAGER, is_active=True)
            .order_by("created_at", "id")
            .first()
        )
        if manager is not None:
            return manager.user_id, store_id
    return None, store_id


def outreach_task_create(
    *, brand: Any, customer_id: int, key: str, due_on: date, title: str, detail: str
) -> OutreachTask:
    """A task to get in touch with the customer, created at most once per (brand, `key`).

    `key` names the occasion (e.g. "journey:7:customer:42:2027"): the same key again returns the task
    created the first time, unchanged (whoever it was assigned to, whatever its status). One statement,
    INSERT … ON CONFLICT (brand_id, key) DO UPDATE (a no-op) RETURNING id, so concurrent calls agree.
    Call it inside the brand's scope (a brand task or `brand_context`). A merged profile's task goes to the
    profile it was merged into; an unknown customer raises ValueError.
    """
    brand_id = getattr(brand, "pk", brand)
    customer = customer_selectors.customer_get(brand=brand, customer_id=customer_id)
    if customer is None:
        survivor = customer_selectors.customer_survivor_id(brand=brand, customer_id=customer_id)
        customer = (
            customer_selectors.customer_get(brand=brand, customer_id=survivor)
            if survivor is not None
            else None
        )
    if customer is None:
        raise ValueError(f"Unknown customer {customer_id} in brand {brand_id}")
    assignee_id, store_id = outreach_task_assignee(brand=brand, customer=customer)
    task = OutreachTask(
        brand_id=brand_id,
        key=key[:200],
        customer_id=customer.pk,
        assignee_id=assignee_id,
        store_id=store_id,
        due_on=due_on,
        title=title[:255],
        detail=detail,
        created_at=timezone.now(),
    )
    with transaction.atomic():
        OutreachTask.objects.bulk_create(
            [task], update_conflicts=True, unique_fields=["brand", "key"], update_fields=["key"]
        )
        return OutreachTask.objects.select_related("customer").get(brand_id=brand_id, pk=task.pk)


def outreach_task_complete(
    *, brand: Any, task: OutreachTask, outcome: str, note: str = "", actor: Any = None
) -> OutreachTask:
    """Mark a task done with its outcome (called, messaged, visit booked, no answer) and a note.

    Completing a task already done changes nothing and raises ValidationError (the first outcome stands,
    so attribution does not move). The caller has checked that `actor` may see the task.
    """
    if outcome not in TaskOutcome.values:
        raise ValidationError({"outcome": _("Choose what happened.")})
    with transaction.atomic():
        locked = OutreachTask.objects.select_for_update().get(brand_id=task.brand_id, pk=task.pk)
        if locked.status == TaskStatus.DONE:
            raise ValidationError(_("This task was already marked done."))
        locked.status = TaskStatus.DONE
        locked.outcome = outcome
        locked.note = (note or "").strip()
        locked.done_at = timezone.now()
        locked.done_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["status", "outcome", "note", "done_at", "done_by"])
        audit_log_record(
            brand=brand,
            action="outreach.task_done",
            actor=actor,
            obj=locked,
            data={"customer_id": locked.customer_id, "outcome": outcome},
        )
    return locked
