"""The services page: interventions, turnaround, claims and pieces due for service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jewelcrm.imports.csv_safe import csv_safe_writer
from jewelcrm.retail import selectors as retail_selectors
from segmentation.insights import selectors
from segmentation.insights.forms import ServicesFilterForm
from segmentation.insights.views.common import _bar_chart, _InsightsPage, _month_chart, _with_table


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
