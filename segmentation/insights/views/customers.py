"""The customer insights page: scores, cohorts and the time to a second purchase."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jewelcrm.imports.csv_safe import csv_safe_writer
from segmentation.insights import selectors
from segmentation.insights.forms import CustomersFilterForm
from segmentation.insights.views.common import _InsightsPage, _month_chart, _percent, _with_table


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
