"""Outreach pages: the associate's and manager's tasks (intranet), marking one done with its outcome, and
the brand's list for marketers with counts by outcome and the purchases attributed (dashboard)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from campaigns.outreach import selectors, services
from campaigns.outreach.forms import TaskDoneForm
from campaigns.outreach.models import TaskOutcome, TaskStatus
from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES, Role
from jewelcrm.retail import selectors as store_selectors
from jewelcrm.tenancy.views import BrandViewMixin

PAGE_SIZE = 25


def _int_choice(value: Any, allowed: tuple[int, ...], default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number in allowed else default


class _TaskListMixin(BrandViewMixin, TemplateView):
    default_status = ""

    def task_context(self) -> dict[str, Any]:
        request = self.request
        status = request.GET.get("status", self.default_status)
        status = status if status in TaskStatus.values or status == "all" else self.default_status
        outcome = request.GET.get("outcome", "")
        outcome = outcome if outcome in TaskOutcome.values else ""
        sort = request.GET.get("sort", "due")
        sort = sort if sort in selectors.SORTS else "due"
        days = _int_choice(request.GET.get("days"), selectors.ATTRIBUTION_CHOICES, selectors.ATTRIBUTION_DAYS)
        stores = self.store_choices()
        store_id = _int_choice(request.GET.get("store"), tuple(pk for pk, _name in stores), 0) or None
        tasks = selectors.outreach_task_list(
            brand=self.brand,
            membership=self.membership,
            status="" if status == "all" else status,
            outcome=outcome,
            sort=sort,
            store_id=store_id,
        )
        page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        conversions = selectors.outreach_attribution(
            brand=self.brand, days=days, task_ids=[t.pk for t in rows if t.status == TaskStatus.DONE]
        )
        for task in rows:
            task.conversion = conversions.get(task.pk)
        return {
            "tasks": rows,
            "page": page,
            "status": status,
            "outcome": outcome,
            "sort": sort,
            "days": days,
            "day_choices": selectors.ATTRIBUTION_CHOICES,
            "statuses": TaskStatus.choices,
            "outcomes": TaskOutcome.choices,
            "sorts": [
                ("due", _("Due soonest")),
                ("-due", _("Due latest")),
                ("customer", _("Customer")),
                ("done", _("Done most recently")),
            ],
            "stores": stores,
            "store_id": store_id,
            "summary": selectors.outreach_summary(
                brand=self.brand, membership=self.membership, days=days, store_id=store_id
            ),
        }

    def store_choices(self) -> list[tuple[int, str]]:
        """The stores to filter by (brand staff only; retail staff see one store already)."""
        return []


class MyTasksView(_TaskListMixin):
    """Intranet: the associate's tasks (a manager: also their store's), open first by due date."""

    allowed_roles = RETAIL_ROLES
    template_name = "campaign_outreach/my_tasks.html"
    default_status = TaskStatus.OPEN

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.task_context())
        context["show_assignee"] = self.membership.role == Role.RETAIL_MANAGER
        return context


class TaskDoneView(BrandViewMixin, TemplateView):
    """Intranet: mark one task done with the outcome and a note. Another store's task is a 404."""

    allowed_roles = RETAIL_ROLES
    template_name = "campaign_outreach/task_done.html"

    def _task(self) -> Any:
        task = selectors.outreach_task_get(
            brand=self.brand, membership=self.membership, task_id=self.kwargs["pk"]
        )
        if task is None:
            raise Http404
        return task

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("task", self._task())
        context.setdefault("form", TaskDoneForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        task = self._task()
        form = TaskDoneForm(request.POST)
        if form.is_valid():
            try:
                services.outreach_task_complete(
                    brand=self.brand,
                    task=task,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Task done: thank you."))
            return HttpResponseRedirect(
                reverse("campaign_outreach:my_tasks", kwargs={"brand_slug": self.brand.slug})
            )
        return self.render_to_response(self.get_context_data(task=task, form=form))


class BrandTasksView(_TaskListMixin):
    """Dashboard: every task of the brand, counts by outcome and the purchases attributed."""

    allowed_roles = BRAND_ROLES
    template_name = "campaign_outreach/brand_tasks.html"
    default_status = "all"

    def store_choices(self) -> list[tuple[int, str]]:
        return list(store_selectors.store_list(brand=self.brand).values_list("pk", "name"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.task_context())
        return context
