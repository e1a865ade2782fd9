"""Dashboard pages (brand staff): registrations with filters and a monthly chart, the grey-market list,
the claims queue with decisions, and the monthly payout statement per retailer (page and CSV)."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, Role
from jewelcrm.catalog import selectors as catalog_selectors
from jewelcrm.csv_safe import csv_safe_writer
from jewelcrm.retail import selectors as retail_selectors
from jewelcrm.tenancy.views import BrandViewMixin
from warranties import selectors, services
from warranties.forms import ClaimDecisionForm, PayoutForm, RegistrationFilterForm
from warranties.models import ClaimStatus

PAGE_SIZE = 25
CLAIM_READERS = ADMIN_ROLES | {Role.ANALYST}


class RegistrationListView(BrandViewMixin, View):
    allowed_roles = BRAND_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        stores = list(retail_selectors.store_list(brand=self.brand))
        products = list(catalog_selectors.product_list(brand=self.brand).only("pk", "reference"))
        form = RegistrationFilterForm(request.GET or None, stores=stores, products=products)
        filters = selectors.RegistrationFilters()
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            filters = selectors.RegistrationFilters(
                date_from=data["date_from"],
                date_to=data["date_to"],
                store_id=data["store"],
                country=data["country"],
                product_id=data["product"],
                is_gift={"yes": True, "no": False}.get(data["gift"]),
            )
        page = Paginator(selectors.registration_list(brand=self.brand, filters=filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        chart = selectors.registration_counts_by_month(brand=self.brand)
        chart_data = {
            "type": "bar",
            "data": {
                "labels": [row["month"] for row in chart],
                "datasets": [{"label": _("Registrations"), "data": [row["count"] for row in chart]}],
            },
        }
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "form": form,
            "page": page,
            "chart_json": json.dumps(chart_data),
            "chart_rows": chart,
        }
        return TemplateResponse(request, "warranties/dashboard/registration_list.html", context)


class GreyMarketListView(BrandViewMixin, View):
    allowed_roles = BRAND_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        qs = selectors.registration_list(
            brand=self.brand, filters=selectors.RegistrationFilters(is_grey_market=True)
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "warranties/dashboard/grey_market.html",
            {"brand": self.brand, "membership": self.membership, "page": page},
        )


class ClaimQueueView(BrandViewMixin, View):
    allowed_roles = CLAIM_READERS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        status = request.GET.get("status", ClaimStatus.SUBMITTED)
        if status not in ClaimStatus.values and status != "all":
            status = ClaimStatus.SUBMITTED
        qs = selectors.claim_list(brand=self.brand, status="" if status == "all" else status)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "page": page,
            "status": status,
            "statuses": ClaimStatus.choices,
        }
        return TemplateResponse(request, "warranties/dashboard/claim_queue.html", context)


class ClaimDetailView(BrandViewMixin, View):
    allowed_roles = CLAIM_READERS

    def _render(self, claim: Any, form: Any = None, status: int = 200) -> HttpResponse:
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "claim": claim,
            "registration": selectors.registration_current(brand=self.brand, item=claim.intervention.item),
            "form": form or ClaimDecisionForm(),
            "can_decide": self.membership.role in ADMIN_ROLES,
            "total": claim.labour_amount + claim.parts_amount,
        }
        return TemplateResponse(
            self.request, "warranties/dashboard/claim_detail.html", context, status=status
        )

    def _get(self, pk: int) -> Any:
        claim = selectors.claim_get(brand=self.brand, claim_id=pk)
        if claim is None:
            raise Http404
        return claim

    def get(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        return self._render(self._get(pk))

    def post(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        claim = self._get(pk)
        if self.membership.role not in ADMIN_ROLES:
            return self._render(claim, status=403)
        form = ClaimDecisionForm(request.POST)
        if not form.is_valid():
            return self._render(claim, form=form, status=400)
        try:
            services.claim_decide(brand=self.brand, claim=claim, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self._render(claim, form=form, status=400)
        messages.success(request, _("Decision recorded."))
        return redirect("warranties:claim_queue", brand_slug=self.brand.slug)


def parse_month(raw: str | None) -> date:
    try:
        year, month = (int(p) for p in (raw or "").split("-")[:2])
        return date(year, month, 1)
    except (TypeError, ValueError):
        today = timezone.localdate()
        return date(today.year, today.month, 1)


class PayoutStatementView(BrandViewMixin, View):
    allowed_roles = CLAIM_READERS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PayoutForm(request.GET or None)
        month = parse_month(request.GET.get("month"))
        statement = selectors.payout_statement(brand=self.brand, month=month)
        if request.GET.get("format") == "csv":
            return self._csv(statement)
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "form": form,
            "statement": statement,
            "month_value": f"{month:%Y-%m}",
        }
        return TemplateResponse(request, "warranties/dashboard/payouts.html", context)

    def _csv(self, statement: Any) -> HttpResponse:
        buffer = io.StringIO()
        writer = csv_safe_writer(buffer)
        writer.writerow(
            [
                "retailer",
                "store",
                "claim",
                "serial",
                "intervention",
                "decided_at",
                "status",
                "claimed",
                "approved",
                "currency",
            ]
        )
        for line in statement.lines:
            for claim in line.claims:
                writer.writerow(
                    [
                        line.retailer,
                        claim.store.code,
                        claim.pk,
                        claim.intervention.item.serial,
                        claim.intervention.get_kind_display(),
                        claim.decided_at.isoformat() if claim.decided_at else "",
                        claim.status,
                        claim.labour_amount + claim.parts_amount,
                        claim.approved_amount,
                        claim.currency,
                    ]
                )
            for currency, total in sorted(line.totals.items()):
                writer.writerow([line.retailer, "", "", "", "", "", "total", "", total, currency])
        for currency, total in statement.totals.items():
            writer.writerow(["ALL", "", "", "", "", "", "total", "", total, currency])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            True, f"payouts-{statement.month:%Y-%m}.csv"
        )
        return response
