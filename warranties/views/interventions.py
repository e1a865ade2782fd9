"""Services and repairs of the store, and the store's warranty claims."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.forms import form_add_service_errors
from jewelcrm.labels import event_label
from warranties import selectors, services
from warranties.forms import ClaimForm, InterventionForm, InterventionUpdateForm
from warranties.models import InterventionStatus
from warranties.views.base import (
    OPEN_CLAIM_STATUSES,
    PAGE_SIZE,
    StoreViewMixin,
)


class InterventionListView(StoreViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        show_all = request.GET.get("all") == "1"
        query = request.GET.get("q", "").strip()[:64]
        qs = selectors.intervention_list(
            brand=self.brand, store=self.store, open_only=not show_all, query=query
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "page": page,
            "show_all": show_all,
            "q": query,
        }
        return TemplateResponse(request, "warranties/intervention_list.html", context)


class InterventionCreateView(StoreViewMixin, View):
    template_name = "warranties/intervention_form.html"

    def _render(self, form: Any, status: int = 200) -> HttpResponse:
        return TemplateResponse(
            self.request,
            self.template_name,
            {"brand": self.brand, "membership": self.membership, "form": form},
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        initial = {"received_on": timezone.localdate(), "item_query": request.GET.get("item", "")[:64]}
        return self._render(InterventionForm(initial=initial))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = InterventionForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        data = form.cleaned_data
        item = selectors.item_find(brand=self.brand, query=data["item_query"])
        if item is None:
            form.add_error("item_query", services.item_not_found_error())
            return self._render(form, status=400)
        try:
            intervention = services.intervention_create(
                brand=self.brand,
                item=item,
                store=self.store,
                kind=data["kind"],
                received_on=data["received_on"],
                description=data["description"],
                parts=data["parts"],
                labour_cost=data["labour_cost"],
                parts_cost=data["parts_cost"],
                created_by=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error, default_field="item_query")
            return self._render(form, status=400)
        messages.success(request, _("Intervention logged."))
        return redirect("warranties:intervention_detail", brand_slug=self.brand.slug, pk=intervention.pk)


class InterventionDetailView(StoreViewMixin, View):
    template_name = "warranties/intervention_detail.html"

    def _get(self, pk: int) -> Any:
        intervention = selectors.intervention_get(brand=self.brand, intervention_id=pk, store=self.store)
        if intervention is None:
            raise Http404
        return intervention

    def _render(
        self, intervention: Any, form: Any = None, claim_form: Any = None, status: int = 200
    ) -> HttpResponse:
        statuses = list(InterventionStatus)
        claims = list(intervention.claims.all().order_by("-submitted_at"))
        index = [s.value for s in statuses].index(intervention.status)
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "intervention": intervention,
            "form": form
            or InterventionUpdateForm(
                initial={
                    "description": intervention.description,
                    "parts": intervention.parts,
                    "labour_cost": intervention.labour_cost,
                    "parts_cost": intervention.parts_cost,
                }
            ),
            "claim_form": claim_form
            or ClaimForm(
                initial={"labour_amount": intervention.labour_cost, "parts_amount": intervention.parts_cost}
            ),
            "next_status": statuses[index + 1] if index + 1 < len(statuses) else None,
            "claims": claims,
            "can_claim": intervention.is_under_warranty
            and not any(c.status in OPEN_CLAIM_STATUSES for c in claims),
            "timeline": [
                {"at": e.at, "label": event_label(e.kind, e.data), "store": e.store}
                for e in selectors.item_timeline(brand=self.brand, item=intervention.item)
            ],
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        return self._render(self._get(pk))

    def post(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        intervention = self._get(pk)
        action = request.POST.get("action")
        try:
            if action == "advance":
                services.intervention_advance(
                    brand=self.brand,
                    intervention=intervention,
                    status=request.POST.get("status", ""),
                    actor=request.user,
                )
                messages.success(request, _("Status updated."))
            elif action == "claim":
                claim_form = ClaimForm(request.POST)
                if not claim_form.is_valid():
                    return self._render(intervention, claim_form=claim_form, status=400)
                services.claim_create(
                    brand=self.brand,
                    intervention=intervention,
                    store=self.store,
                    submitted_by=request.user,
                    **claim_form.cleaned_data,
                )
                messages.success(request, _("Warranty claim submitted to the brand."))
            else:
                form = InterventionUpdateForm(request.POST)
                if not form.is_valid():
                    return self._render(intervention, form=form, status=400)
                services.intervention_update(
                    brand=self.brand, intervention=intervention, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Intervention saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self._render(self._get(pk), status=400)
        return redirect("warranties:intervention_detail", brand_slug=self.brand.slug, pk=intervention.pk)


class StoreClaimListView(StoreViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        qs = selectors.claim_list(brand=self.brand, store=self.store).order_by("-submitted_at", "-id")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "warranties/store_claim_list.html",
            {"brand": self.brand, "membership": self.membership, "page": page},
        )
