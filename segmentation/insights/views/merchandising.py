"""The sell-through, network and product mix pages, and the price bands form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import formats
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.accounts.roles import ADMIN_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from segmentation.insights import selectors, services
from segmentation.insights.forms import PriceBandsForm
from segmentation.insights.views.common import _bar_chart, _InsightsPage, _month_chart, _percent

CANDIDATES_SHOWN = 25


class SellThroughView(_InsightsPage):
    template_name = "insights/sell_through.html"
    csv_name = "sell-through"

    def figures(self, period: selectors.Period, scope: selectors.Scope) -> dict[str, Any]:
        weeks_in_a_row = 4
        products = selectors.sell_through_by_product(
            brand=self.brand, period=period, scope=scope, weeks_in_a_row=weeks_in_a_row
        )
        stores = [
            row
            for row in selectors.store_figures(brand=self.brand, period=period, scope=scope)
            if row.received or row.sold or row.in_stock
        ]
        chart_json = _bar_chart(
            [row.store.name for row in stores],
            [(_("Sell-through (%)"), [_percent(row.rate) for row in stores])],
        )
        return {
            "products": products,
            "page_obj": Paginator(products, 50).get_page(self.request.GET.get("page")),
            # The worst first; a large brand's long list is in the product table and the CSV.
            "candidates": [row for row in products if row.is_candidate][:CANDIDATES_SHOWN],
            "candidates_total": sum(1 for row in products if row.is_candidate),
            "stores": stores,
            "weeks_in_a_row": weeks_in_a_row,
            "chart_json": chart_json,
        }

    def csv_rows(self, context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        header = [
            _("Reference"),
            _("Product"),
            _("Category"),
            _("Received"),
            _("Sold"),
            _("Sell-through (%)"),
            _("Category benchmark (%)"),
            _("Weeks below the benchmark"),
            _("Candidate to phase out"),
        ]
        rows = [
            [
                row.product.reference,
                row.product.name,
                row.product.get_category_display(),
                row.received,
                row.sold,
                _percent(row.rate),
                _percent(row.benchmark),
                row.weeks_under,
                _("yes") if row.is_candidate else _("no"),
            ]
            for row in context["products"]
        ]
        return header, rows


class NetworkView(_InsightsPage):
    template_name = "insights/network.html"
    csv_name = "registration-rate"

    def figures(self, period: selectors.Period, scope: selectors.Scope) -> dict[str, Any]:
        stores = [
            row
            for row in selectors.store_figures(brand=self.brand, period=period, scope=scope)
            if row.received or row.sold or row.registered
        ]
        chart_json = _bar_chart(
            [row.store.name for row in stores],
            [(_("Registration rate (%)"), [_percent(row.registration_rate) for row in stores])],
        )
        sold = sum(row.sold for row in stores)
        registered = sum(row.registered for row in stores)
        grey = selectors.grey_market_by_week(brand=self.brand, period=period, scope=scope)
        grey_chart = _month_chart(
            "bar",
            [formats.date_format(week, "SHORT_DATE_FORMAT") for week in grey.weeks],
            [(name, grey.series(code)) for code, name in grey.countries],
            stacked=True,
        )
        return {
            "stores": stores,
            "chart_json": chart_json,
            "grey": grey,
            "grey_chart": grey_chart,
            "total_sold": sold,
            "total_registered": registered,
            "total_rate": selectors._rate(registered, sold),
            "total_grey": sum(row.grey_market for row in stores),
        }

    def csv_rows(self, context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        header = [
            _("Store"),
            _("Retailer"),
            _("Country"),
            _("Received"),
            _("Sold"),
            _("Registered"),
            _("Registration rate (%)"),
            _("Grey-market registrations"),
        ]
        rows = [
            [
                row.store.name,
                row.store.retailer.name,
                row.store.country.name,
                row.received,
                row.sold,
                row.registered,
                _percent(row.registration_rate),
                row.grey_market,
            ]
            for row in context["stores"]
        ]
        return header, rows


class ProductMixView(_InsightsPage):
    template_name = "insights/product_mix.html"
    csv_name = "product-mix"

    def dimension(self) -> str:
        asked = self.request.GET.get("by", "collection")
        return asked if asked in selectors.DIMENSIONS else "collection"

    def figures(self, period: selectors.Period, scope: selectors.Scope) -> dict[str, Any]:
        mix = selectors.product_mix(brand=self.brand, period=period, scope=scope, dimension=self.dimension())
        chart_json = _bar_chart(
            [row.label for row in mix.rows[:20]],
            [
                (
                    _("Revenue (%(currency)s)") % {"currency": mix.currency},
                    [float(row.revenue) for row in mix.rows[:20]],
                )
            ],
        )
        limits = selectors.price_band_limits(brand=self.brand)
        return {
            "mix": mix,
            "dimensions": [(key, label) for key, label in selectors.DIMENSIONS.items()],
            "dimension": self.dimension(),
            "dimension_label": selectors.DIMENSIONS[self.dimension()],
            "chart_json": chart_json,
            "bands_form": PriceBandsForm(initial={"limits": ", ".join(str(v) for v in limits)}),
            "can_edit_bands": self.membership.role in ADMIN_ROLES,
        }

    def csv_rows(self, context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        mix = context["mix"]
        header = [
            str(context["dimension_label"]),
            _("Units"),
            _("Revenue (%(currency)s)") % {"currency": mix.currency},
            _("Average price (%(currency)s)") % {"currency": mix.currency},
            _("Share of revenue (%)"),
        ]
        rows = [
            [row.label, row.units, row.revenue, row.average_price, _percent(row.share)] for row in mix.rows
        ]
        return header, rows


class PriceBandsView(BrandViewMixin, View):
    """The brand's price bands, set by its owner or admins."""

    allowed_roles = ADMIN_ROLES

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = PriceBandsForm(request.POST)
        target = f"/b/{self.brand.slug}/insights/product-mix/?by=price_band"
        if form.is_valid():
            try:
                services.insights_settings_update(
                    brand=self.brand, price_band_limits=form.cleaned_data["limits"], actor=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                from segmentation.insights.tasks import refresh_mix_task

                # Until the task has grouped the sales by the new bands, the page groups them live.
                refresh_mix_task.delay_on_commit(self.brand.pk)
                messages.success(request, _("Price bands saved."))
        else:
            for message in form.errors.get("limits", []):
                messages.error(request, message)
        return redirect(target)
