"""Insights pages of the brand dashboard: sell-through, registration rate of the network, stock ageing.

Brand staff read them (owner, admin, marketer, analyst); retailer staff get 403. Every page obeys the same
filters, kept in the URL, and answers its table as CSV with `?format=csv`.
"""

from __future__ import annotations

import json
from decimal import Decimal
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
from segmentation.insights.forms import (
    CustomersFilterForm,
    InsightsFilterForm,
    OverviewFilterForm,
    PriceBandsForm,
    ServicesFilterForm,
    TransferForm,
)
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
                from segmentation.insights.tasks import refresh_mix_task

                # Until the task has grouped the sales by the new bands, the page groups them live.
                refresh_mix_task.delay_on_commit(self.brand.pk)
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
    elif kind == "bar" and not stacked:
        options["scales"] = {"y": {"ticks": {"precision": 0}}}  # counts: whole numbers on the axis
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


class CustomersView(_InsightsPage):
    """The nightly scores in a heat-map and charts, cohort retention, the time to a second purchase."""

    template_name = "insights/customers.html"
    csv_name = "customers"
    tables = ("rfm", "segments", "deciles", "churn", "cohorts", "second_purchase")

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        from segmentation.insights import customer_insights as ci

        form = CustomersFilterForm(request.GET or None)
        quarters = (form.cleaned_data.get("quarters") if form.is_valid() else None) or ci.DEFAULT_QUARTERS
        today = timezone.localdate(timezone=self._zone())
        aggregates = ci.scores(brand=self.brand)
        cohorts = ci.cohort_triangle(brand=self.brand, today=today, quarters=quarters)
        gaps = ci.second_purchase(brand=self.brand)
        history = ci.segments_over_time(brand=self.brand)
        context: dict[str, Any] = {
            "brand": self.brand,
            "membership": self.membership,
            "form": form,
            "currency": self.brand.default_currency,
            "scores": aggregates,
            "grid": ci.rfm_grid(aggregates) if aggregates else [],
            "deciles": ci.value_deciles(aggregates) if aggregates else [],
            "churn": ci.churn_bands(aggregates) if aggregates else [],
            "history": history,
            "cohorts": cohorts,
            "cohort_columns": list(range(1, quarters)),
            "quarters": quarters,
            "gaps": gaps,
            "profile": ci.best_customer_profile(brand=self.brand) if aggregates else None,
            "refreshed": selectors.last_refresh(brand=self.brand),
        }
        table = request.GET.get("table", "")
        if request.GET.get("format") == "csv":
            if table not in self.tables:
                raise Http404
            return self.table_csv(table, context)
        currency = context["currency"]
        context.update(
            {
                "csv": {name: _with_table(request, name) for name in self.tables},
                "deciles_chart": _month_chart(
                    "bar",
                    [str(row["decile"]) for row in context["deciles"]],
                    [
                        (
                            _("Predicted 12-month value (%(currency)s)") % {"currency": currency},
                            [float(row["total"]) for row in context["deciles"]],
                        )
                    ],
                ),
                "churn_chart": _month_chart(
                    "bar",
                    [str(row["label"]) for row in context["churn"]],
                    [(_("Customers"), [row["customers"] for row in context["churn"]])],
                ),
                "segments_chart": _month_chart(
                    "line",
                    [formats.date_format(day, "SHORT_DATE_FORMAT") for day in history["dates"]],
                    [(row["label"], row["sizes"]) for row in history["segments"]],
                ),
                "gaps_chart": _month_chart(
                    "bar",
                    [str(bucket.label) for bucket in gaps.buckets],
                    [(_("Customers"), [bucket.customers for bucket in gaps.buckets])],
                ),
            }
        )
        return TemplateResponse(request, self.template_name, context, status=400 if form.errors else 200)

    def table_csv(self, table: str, context: dict[str, Any]) -> HttpResponse:
        currency = {"currency": context["currency"]}
        header: list[Any]
        rows: list[list[Any]]
        if table == "rfm":
            header = [
                _("Recency score"),
                _("Frequency score"),
                _("Customers"),
                _("Spend (%(currency)s)") % currency,
            ]
            rows = [[c.r, c.f, c.customers, c.spend] for line in context["grid"] for c in line]
        elif table == "segments":
            history = context["history"]
            header = [_("Segment"), *[day.isoformat() for day in history["dates"]]]
            rows = [[str(row["label"]), *row["sizes"]] for row in history["segments"]]
        elif table == "deciles":
            header = [
                _("Value decile"),
                _("Customers"),
                _("Predicted 12-month value (%(currency)s)") % currency,
                _("Lowest (%(currency)s)") % currency,
                _("Highest (%(currency)s)") % currency,
            ]
            rows = [
                [r["decile"], r["customers"], r["total"], r["lowest"], r["highest"]]
                for r in context["deciles"]
            ]
        elif table == "churn":
            header = [_("Churn risk"), _("Customers"), _("Value at risk (%(currency)s)") % currency]
            rows = [[str(r["label"]), r["customers"], r["at_risk"]] for r in context["churn"]]
        elif table == "cohorts":
            header = [
                _("Cohort"),
                _("Customers"),
                *[_("Quarter %(n)s (%%)") % {"n": n} for n in context["cohort_columns"]],
            ]
            rows = [
                [c.label, c.customers, *["" if s is None else _percent(s) for s in c.shares]]
                for c in context["cohorts"]
            ]
        else:
            header = [_("Time to the second purchase"), _("Customers"), _("Share (%)")]
            rows = [[str(b.label), b.customers, _percent(b.share)] for b in context["gaps"].buckets]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{table}-{self.brand.slug}.csv"'
        response.write("\ufeff")
        writer = csv_safe_writer(response)
        writer.writerow([str(h) for h in header])
        writer.writerows(rows)
        return response


def _with_table(request: HttpRequest, table: str) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    query["table"] = table
    return query.urlencode()


class ServicesView(_InsightsPage):
    """Interventions by type, warranty against paid work, turnaround per store, claims and payouts per
    retailer, pieces due for service."""

    template_name = "insights/services.html"
    csv_name = "services"
    tables = ("kinds", "months", "turnaround", "claims", "due")

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        from segmentation.insights import overview
        from segmentation.insights import service_insights as si

        form = ServicesFilterForm(
            request.GET or None,
            country_codes=retail_selectors.store_countries(brand=self.brand),
            stores=list(retail_selectors.store_list(brand=self.brand)),
        )
        data = form.cleaned_data if form.is_valid() else {}
        store_id, country = data.get("store"), data.get("country") or ""
        store = retail_selectors.store_get(brand=self.brand, store_id=store_id) if store_id else None
        if store_id and store is None:
            raise Http404  # another brand's store answers like a missing one
        if store is not None and country and store.country != country:
            store_id = 0  # a store outside the chosen country: nothing matches
        today = timezone.localdate(timezone=self._zone())
        period = overview.MonthPeriod.around(data.get("start"), data.get("end"), today)
        scope = si.stores_in_scope(brand=self.brand, country=country, store_id=store_id)
        figures = si.services(brand=self.brand, period=period, stores=scope, today=today)
        context: dict[str, Any] = {
            "brand": self.brand,
            "membership": self.membership,
            "form": form,
            "period": period,
            "services": figures,
            "refreshed": selectors.last_refresh(brand=self.brand),
            "is_filtered": any(request.GET.get(k) for k in ("country", "store")),
            "this_month": today.replace(day=1),
        }
        if request.GET.get("format") == "csv":
            table = request.GET.get("table", "")
            if table not in self.tables:
                raise Http404
            return self.table_csv(table, context)
        month_labels = [formats.date_format(m["month"], "YEAR_MONTH_FORMAT") for m in figures.months]
        payout_currencies = sorted({c.currency for c in figures.claims})
        retailers = list(dict.fromkeys(c.retailer.name for c in figures.claims))
        context.update(
            {
                "csv": {name: _with_table(request, name) for name in self.tables},
                "kinds_chart": _month_chart(
                    "bar",
                    [str(k.label) for k in figures.kinds],
                    [
                        (_("Under warranty"), [k.under_warranty for k in figures.kinds]),
                        (_("Paid by the owner"), [k.paid for k in figures.kinds]),
                    ],
                    stacked=True,
                ),
                "months_chart": _month_chart(
                    "bar",
                    month_labels,
                    [
                        (_("Under warranty"), [m["warranty"] for m in figures.months]),
                        (_("Paid by the owner"), [m["paid"] for m in figures.months]),
                    ],
                    stacked=True,
                ),
                "turnaround_chart": _bar_chart(
                    [t.store.name for t in figures.turnaround],
                    [
                        (
                            _("Average days from received to returned"),
                            [float(t.average_days or 0) for t in figures.turnaround],
                        )
                    ],
                ),
                "claims_chart": _bar_chart(
                    retailers,
                    [
                        (
                            _("Payouts (%(currency)s)") % {"currency": currency},
                            [
                                float(
                                    sum(
                                        (
                                            c.payout
                                            for c in figures.claims
                                            if c.retailer.name == name and c.currency == currency
                                        ),
                                        Decimal(0),
                                    )
                                )
                                for name in retailers
                            ],
                        )
                        for currency in payout_currencies
                    ],
                    stacked=len(payout_currencies) > 1,
                ),
                "due_chart": _month_chart(
                    "bar",
                    [formats.date_format(m["month"], "YEAR_MONTH_FORMAT") for m in figures.due_months],
                    [(_("Pieces due for service"), [m["pieces"] for m in figures.due_months])],
                ),
            }
        )
        return TemplateResponse(request, self.template_name, context, status=400 if form.errors else 200)

    def table_csv(self, table: str, context: dict[str, Any]) -> HttpResponse:
        figures = context["services"]
        period = context["period"]
        rows: list[list[Any]]
        if table == "kinds":
            header = [_("Type"), _("Received"), _("Under warranty"), _("Paid by the owner")]
            rows = [[str(k.label), k.received, k.under_warranty, k.paid] for k in figures.kinds]
        elif table == "months":
            header = [_("Month"), _("Under warranty"), _("Paid by the owner")]
            rows = [[m["month"].strftime("%Y-%m"), m["warranty"], m["paid"]] for m in figures.months]
        elif table == "turnaround":
            header = [_("Store"), _("Returned"), _("Average days from received to returned")]
            rows = [[t.store.name, t.returned, t.average_days] for t in figures.turnaround]
        elif table == "claims":
            header = [
                _("Retailer"),
                _("Currency"),
                _("Claims submitted"),
                _("Amount claimed"),
                _("Claims paid"),
                _("Payouts"),
                _("Claims rejected"),
            ]
            rows = [
                [c.retailer.name, c.currency, c.submitted, c.claimed, c.paid, c.payout, c.rejected]
                for c in figures.claims
            ]
        else:
            header = [_("Store"), _("Overdue"), _("Due in the next 3 months"), _("Due in the next 12 months")]
            rows = [[d.store.name, d.overdue, d.next_3, d.next_12] for d in figures.due]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="services-{table}-{self.brand.slug}-'
            f'{period.start:%Y-%m}-{period.end:%Y-%m}.csv"'
        )
        response.write("\ufeff")
        writer = csv_safe_writer(response)
        writer.writerow([str(h) for h in header])
        writer.writerows(rows)
        return response
