"""The stock ageing page and its one-click transfer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.accounts.roles import ADMIN_ROLES
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.tenancy.views import BrandViewMixin
from segmentation.insights import selectors
from segmentation.insights.forms import TransferForm
from segmentation.insights.views.common import _bar_chart, _InsightsPage
from warranties.inventory import selectors as inventory_selectors
from warranties.inventory import services as inventory_services


class StockView(_InsightsPage):
    template_name = "insights/stock.html"
    csv_name = "stock-ageing"

    def figures(self, period: selectors.Period, scope: selectors.Scope) -> dict[str, Any]:
        stores = [
            row
            for row in selectors.store_figures(brand=self.brand, period=period, scope=scope)
            if row.in_stock
        ]
        chart_json = _bar_chart(
            [row.store.name for row in stores],
            [
                (_("Up to 180 days"), [row.in_stock - row.over_180 for row in stores]),
                (_("181 to 365 days"), [row.over_180 - row.over_365 for row in stores]),
                (_("More than 365 days"), [row.over_365 for row in stores]),
            ],
            stacked=True,
        )
        return {
            "stores": stores,
            "suggestions": selectors.transfer_suggestions(brand=self.brand, period=period, scope=scope),
            "chart_json": chart_json,
            "can_transfer": self.membership.role in ADMIN_ROLES,
        }

    def csv_rows(self, context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        header = [
            _("Store"),
            _("In stock"),
            _("More than 180 days"),
            _("More than 365 days"),
            _("Sold in the period"),
            _("Weeks of cover"),
        ]
        rows = [
            [row.store.name, row.in_stock, row.over_180, row.over_365, row.sold, row.weeks_of_cover]
            for row in context["stores"]
        ]
        return header, rows


class TransferView(BrandViewMixin, View):
    """A suggested transfer becomes a store → store transfer (the inventory's own service)."""

    allowed_roles = ADMIN_ROLES

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = TransferForm(request.POST)
        if not form.is_valid():
            raise Http404
        item = inventory_selectors.item_get(brand=self.brand, item_id=form.cleaned_data["item"])
        to_store = retail_selectors.store_get(brand=self.brand, store_id=form.cleaned_data["to_store"])
        if item is None or to_store is None:
            raise Http404
        try:
            inventory_services.item_transfer(
                brand=self.brand,
                item=item,
                from_store=item.current_store,
                to_store=to_store,
                actor=request.user,
                note=_("Suggested by the stock ageing insights"),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(serial)s is on its way to %(store)s.") % {"serial": item.serial, "store": to_store.name},
            )
        next_url = request.POST.get("next", "")
        if not next_url.startswith(f"/b/{self.brand.slug}/insights/"):
            next_url = f"/b/{self.brand.slug}/insights/stock/"
        return redirect(next_url)
