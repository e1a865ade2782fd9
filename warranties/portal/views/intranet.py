"""Retailer staff: the store's queue of owners' service requests, lost/stolen reports, recorded transfers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import View

from jewelcrm.accounts.roles import RETAIL_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from warranties.portal import selectors, services
from warranties.portal.forms import ItemQueryForm, StoreLossForm, StoreTransferForm
from warranties.portal.views.base import client_ip


class StoreView(BrandViewMixin, View):
    allowed_roles = RETAIL_ROLES

    @property
    def store(self) -> Any:
        return self.membership.store

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"brand": self.brand, "membership": self.membership, "store": self.store}
        return TemplateResponse(
            self.request, f"portal/intranet/{template}", {**base, **context}, status=status
        )

    def find_item(self, form: ItemQueryForm) -> Any:
        item = selectors.item_find_for_store(brand=self.brand, query=form.cleaned_data["query"])
        if item is None:
            form.add_error("query", _("No piece of this brand has this serial or code."))
        return item


class QueueView(StoreView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        queue = selectors.service_request_queue(brand=self.brand, store=self.store)
        status = request.GET.get("status", "requested")
        if status in ("requested", "received", "cancelled"):
            queue = queue.filter(status=status)
        page = Paginator(queue, 25).get_page(request.GET.get("page"))
        return self.render("queue.html", {"page": page, "status": status})


class ReceiveView(StoreView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        service_request = selectors.service_request_get_for_store(
            brand=self.brand, store=self.store, request_id=pk
        )
        if service_request is None:
            raise Http404
        try:
            services.service_request_receive(
                brand=self.brand, service_request=service_request, store=self.store, actor=request.user
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Piece received: the intervention has been opened."))
        return redirect("portal:store_queue", brand_slug=self.brand.slug)


class LossView(StoreView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        flagged = Paginator(selectors.flagged_item_list(brand=self.brand), 25).get_page(
            request.GET.get("page")
        )
        return self.render("loss.html", {"form": StoreLossForm(), "flagged": flagged})

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreLossForm(request.POST)
        item = self.find_item(form) if form.is_valid() else None
        if item is not None:
            try:
                services.item_report_loss(
                    brand=self.brand,
                    item=item,
                    status=form.cleaned_data["status"],
                    store=self.store,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    ip=client_ip(request),
                )
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                messages.success(request, _("The piece is reported and the brand has been alerted."))
                return redirect("portal:store_loss", brand_slug=self.brand.slug)
        flagged = Paginator(selectors.flagged_item_list(brand=self.brand), 25).get_page(1)
        return self.render("loss.html", {"form": form, "flagged": flagged}, status=400)


class RecoveredView(StoreView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = selectors.flagged_item_list(brand=self.brand).filter(pk=pk).first()
        if item is None:
            raise Http404
        services.item_mark_recovered(
            brand=self.brand, item=item, store=self.store, actor=request.user, ip=client_ip(request)
        )
        messages.success(request, _("The piece is no longer reported lost or stolen."))
        return redirect("portal:store_loss", brand_slug=self.brand.slug)


class TransferView(StoreView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return self.render("transfer.html", {"form": StoreTransferForm()})

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreTransferForm(request.POST)
        item = self.find_item(form) if form.is_valid() else None
        if item is not None:
            try:
                services.transfer_record_in_store(
                    brand=self.brand,
                    item=item,
                    store=self.store,
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    kind=form.cleaned_data["kind"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                messages.success(request, _("The transfer is recorded; both owners have been informed."))
                return redirect("portal:store_transfer", brand_slug=self.brand.slug)
        return self.render("transfer.html", {"form": form}, status=400)
