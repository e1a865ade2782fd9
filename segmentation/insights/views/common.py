"""What every insights page shares: the filters, the CSV answer, the charts' configuration."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View

from jewelcrm.accounts.roles import BRAND_ROLES
from jewelcrm.imports.csv_safe import csv_safe_writer
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.tenancy.views import BrandViewMixin
from segmentation.insights import selectors
from segmentation.insights.forms import InsightsFilterForm


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


def _with_table(request: HttpRequest, table: str) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    query["table"] = table
    return query.urlencode()
