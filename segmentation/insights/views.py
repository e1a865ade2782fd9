"""Insights pages of the brand dashboard: sell-through, registration rate of the network, stock ageing.

Brand staff read them (owner, admin, marketer, analyst); retailer staff get 403. Every page obeys the same
filters, kept in the URL, and answers its table as CSV with `?format=csv`.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES
from jewelcrm.imports.csv_safe import csv_safe_writer
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.tenancy.views import BrandViewMixin
from segmentation.insights import selectors, services
from segmentation.insights.forms import InsightsFilterForm, OverviewFilterForm, PriceBandsForm, TransferForm
from warranties.inventory import selectors as inventory_selectors
from warranties.inventory import services as inventory_services


def _percent(value: Any) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def _bar_chart(labels: list[str], datasets: list[tuple[Any, list[Any]]], *, stacked: bool = False) -> str:
    """A horizontal bar chart's Chart.js configuration (static/js/charts.js draws it): one bar per label,
    one (label, values) pair per dataset; several datasets are stacked, one has no legend."""
    options: dict[str, Any] = {"indexAxis": "y"}
    if stacked:
        options["scales"] = {"x": {"stacked": True}, "y": {"stacked": True}}
    else:
        options["plugins"] = {"legend": {"display": False}}
    chart = {
        "type": "bar",
        "data": {
            "labels": labels,
            "datasets": [{"label": str(name), "data": data} for name, data in datasets],
        },
        "options": options,
    }
    return json.dumps(chart)


class _InsightsPage(BrandViewMixin, View):
    allowed_roles = BRAND_ROLES
    template_name = ""
    csv_name = ""

    def filters(self, request: HttpRequest) -> tuple[InsightsFilterForm, selectors.Period, selectors.Scope]:
        stores = list(retail_selectors.store_list(brand=self.brand))
        form = InsightsFilterForm(
            request.GET or None,
            country_codes=retail_selectors.store_countries(brand=self.brand),
            stores=stores,
        )
        data = form.cleaned_data if form.is_valid() else {}
        store_id = data.get("store")
        if store_id and retail_selectors.store_get(brand=self.brand, store_id=store_id) is None:
            raise Http404  # another brand's store answers like a missing one
        today = timezone.localdate(timezone=self._zone())
        period = selectors.Period.around(data.get("start"), data.get("end"), today)
        scope = selectors.Scope(
            country=data.get("country") or "", store_id=store_id, category=data.get("category") or ""
        )
        return form, period, scope

    def _zone(self) -> Any:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.brand.time_zone)

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form, period, scope = self.filters(request)
        context = self.figures(period, scope)
        if request.GET.get("format") == "csv":
            return self.csv(period, context)
        context.update(
            {
                "brand": self.brand,
                "membership": self.membership,
                "form": form,
                "period": period,
                "weeks": len(period.weeks),
                "refreshed": selectors.last_refresh(brand=self.brand),
                "csv_query": _with_format(request),
                "is_filtered": any(request.GET.get(k) for k in ("country", "store", "category")),
            }
        )
        return TemplateResponse(request, self.template_name, context, status=400 if form.errors else 200)

    def figures(self, period: selectors.Period, scope: selectors.Scope) -> dict[str, Any]:
        raise NotImplementedError

    def csv_rows(self, context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        raise NotImplementedError

    def csv(self, period: selectors.Period, context: dict[str, Any]) -> HttpResponse:
        header, rows = self.csv_rows(context)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.csv_name}-{self.brand.slug}-{period.start}-{period.end}.csv"'
        )
        response.write("\ufeff")
        writer = csv_safe_writer(response)
        writer.writerow(header)
        writer.writerows(rows)
        return response


def _with_format(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()


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
            "candidates": [row for row in products if row.is_candidate],
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
        return {
            "stores": stores,
            "chart_json": chart_json,
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
                messages.success(request, _("Price bands saved."))
        else:
            for message in form.errors.get("limits", []):
                messages.error(request, message)
        return redirect(target)


def _month_chart(
    kind: str,
    labels: list[str],
    datasets: list[tuple[Any, list[Any]]],
    *,
    stacked: bool = False,
    percent: bool = False,
) -> str:
    """A chart over months (static/js/charts.js draws it): one (label, values) pair per dataset."""
    options: dict[str, Any] = {"plugins": {"legend": {"display": len(datasets) > 1}}}
    if stacked:
        options["scales"] = {"x": {"stacked": True}, "y": {"stacked": True}}
    if percent:
        options.setdefault("scales", {})["y"] = {"min": 0, "max": 100}
    chart = {
        "type": kind,
        "data": {
            "labels": labels,
            "datasets": [{"label": str(name), "data": data} for name, data in datasets],
        },
        "options": options,
    }
    return json.dumps(chart)


class OverviewView(_InsightsPage):
    """Customers, revenue and warranties month by month, against the previous period and last year."""

    template_name = "insights/overview.html"
    csv_name = "overview"

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        from segmentation.insights import overview

        stores = list(retail_selectors.store_list(brand=self.brand))
        form = OverviewFilterForm(
            request.GET or None,
            country_codes=retail_selectors.store_countries(brand=self.brand),
            stores=stores,
            channels=overview.CHANNELS,
        )
        data = form.cleaned_data if form.is_valid() else {}
        store_id, country = data.get("store"), data.get("country") or ""
        store = retail_selectors.store_get(brand=self.brand, store_id=store_id) if store_id else None
        if store_id and store is None:
            raise Http404  # another brand's store answers like a missing one
        today = timezone.localdate(timezone=self._zone())
        period = overview.MonthPeriod.around(data.get("start"), data.get("end"), today)
        if store is not None and country and store.country != country:
            store_id = 0  # a store outside the chosen country: nothing matches
        slice_ = overview.Slice(store_id=store_id, channel=data.get("channel") or "", country=country)
        figures = overview.overview(brand=self.brand, period=period, slice=slice_)
        if request.GET.get("format") == "csv":
            return self.csv(period, {"overview": figures})
        labels = [formats.date_format(m.month, "YEAR_MONTH_FORMAT") for m in figures.months]
        currency = figures.currency
        months = figures.months
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "form": form,
            "overview": figures,
            "period": period,
            "last_day": period.last_day,
            "previous": period.previous,
            "refreshed": selectors.last_refresh(brand=self.brand),
            "csv_query": _with_format(request),
            "is_filtered": any(request.GET.get(k) for k in ("country", "store", "channel")),
            "revenue_chart": _month_chart(
                "line",
                labels,
                [
                    (
                        _("Revenue (%(currency)s)") % {"currency": currency},
                        [float(m.revenue) for m in months],
                    ),
                    (
                        _("Same month last year (%(currency)s)") % {"currency": currency},
                        [float(m.revenue_last_year) for m in months],
                    ),
                ],
            ),
            "new_returning_chart": _month_chart(
                "bar",
                labels,
                [
                    (_("New customers"), [float(m.new_revenue) for m in months]),
                    (_("Returning customers"), [float(m.returning_revenue) for m in months]),
                    (_("Customer not known"), [float(m.other_revenue) for m in months]),
                ],
                stacked=True,
            ),
            "registrations_chart": _month_chart(
                "bar", labels, [(_("Warranty registrations"), [m.registrations for m in months])]
            ),
            "warranty_chart": _month_chart(
                "line",
                labels,
                [(_("Sales with a digital warranty (%)"), [_percent(m.warranty_share) for m in months])],
                percent=True,
            ),
        }
        return TemplateResponse(request, self.template_name, context, status=400 if form.errors else 200)

    def csv_rows(self, context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        figures = context["overview"]
        currency = {"currency": figures.currency}
        header = [
            _("Month"),
            _("Revenue (%(currency)s)") % currency,
            _("Same month last year (%(currency)s)") % currency,
            _("Orders"),
            _("New customers' revenue (%(currency)s)") % currency,
            _("Returning customers' revenue (%(currency)s)") % currency,
            _("Revenue without a known customer (%(currency)s)") % currency,
            _("Warranty registrations"),
            _("Pieces sold in stores"),
            _("Sales with a digital warranty (%)"),
        ]
        rows = [
            [
                m.month.strftime("%Y-%m"),
                m.revenue,
                m.revenue_last_year,
                m.orders,
                m.new_revenue,
                m.returning_revenue,
                m.other_revenue,
                m.registrations,
                m.pieces_sold,
                _percent(m.warranty_share),
            ]
            for m in figures.months
        ]
        return header, rows

    def csv(self, period: Any, context: dict[str, Any]) -> HttpResponse:
        from types import SimpleNamespace

        months = SimpleNamespace(start=period.start.strftime("%Y-%m"), end=period.end.strftime("%Y-%m"))
        return super().csv(months, context)
