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
from warranties.portal.models import OwnerApproval
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


def _waiting_message(approval: OwnerApproval) -> str:
    """What the store reads while the owner has not answered yet."""
    return _("The owner has been e-mailed a link to confirm. Nothing changes until they confirm it.")


class LossView(StoreView):
    def context(self, form: Any, page: Any = None) -> dict[str, Any]:
        flagged = Paginator(selectors.flagged_item_list(brand=self.brand), 25).get_page(page)
        approvals = selectors.owner_approval_list_for_store(brand=self.brand, store=self.store)[:10]
        return {"form": form, "flagged": flagged, "approvals": approvals}

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return self.render("loss.html", self.context(StoreLossForm(), request.GET.get("page")))

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreLossForm(request.POST)
        item = self.find_item(form) if form.is_valid() else None
        if item is not None:
            try:
                result = services.store_loss_request(
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
                if isinstance(result, OwnerApproval):
                    messages.info(request, _waiting_message(result))
                else:
                    messages.success(request, _("The piece is reported and the brand has been alerted."))
                return redirect("portal:store_loss", brand_slug=self.brand.slug)
        return self.render("loss.html", self.context(form), status=400)


class RecoveredView(StoreView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = selectors.flagged_item_list(brand=self.brand).filter(pk=pk).first()
        if item is None:
            raise Http404
        try:
            result = services.store_recovered_request(
                brand=self.brand, item=item, store=self.store, actor=request.user, ip=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            if isinstance(result, OwnerApproval):
                messages.info(request, _waiting_message(result))
            else:
                messages.success(request, _("The piece is no longer reported lost or stolen."))
        return redirect("portal:store_loss", brand_slug=self.brand.slug)


class TransferView(StoreView):
    def context(self, form: Any) -> dict[str, Any]:
        approvals = selectors.owner_approval_list_for_store(brand=self.brand, store=self.store)[:10]
        return {"form": form, "approvals": approvals}

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return self.render("transfer.html", self.context(StoreTransferForm()))

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreTransferForm(request.POST)
        item = self.find_item(form) if form.is_valid() else None
        if item is not None:
            try:
                result = services.transfer_record_in_store(
                    brand=self.brand,
                    item=item,
                    store=self.store,
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    kind=form.cleaned_data["kind"],
                    owner_code=form.cleaned_data["owner_code"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages[0])
            else:
                if isinstance(result, OwnerApproval):
                    messages.info(request, _waiting_message(result))
                else:
                    messages.success(request, _("The transfer is recorded; both owners have been informed."))
                return redirect("portal:store_transfer", brand_slug=self.brand.slug)
        return self.render("transfer.html", self.context(form), status=400)
