"""The overview page: customers, revenue and warranties month by month."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jewelcrm.retail import selectors as retail_selectors
from segmentation.insights import selectors
from segmentation.insights.forms import OverviewFilterForm
from segmentation.insights.views.common import _InsightsPage, _month_chart, _percent, _with_format


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
