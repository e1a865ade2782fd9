"""The customer list (search, filters, consented CSV export) and the customer 360 page (brand staff)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.generic import TemplateView

from customers import selectors as customer_selectors
from customers.models import Channel
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, MARKETING_ROLES
from jewelcrm.csv_safe import csv_safe_writer
from jewelcrm.tenancy.views import BrandViewMixin
from warranties.customer_360 import selectors
from warranties.customer_360.labels import EXPORT_CHANNEL_REQUIRED, EXPORT_HEADERS
from warranties.customer_360.selectors import ListFilters

EXPORT_COLUMNS = tuple(EXPORT_HEADERS.items())
# A list exported for one channel carries only the contact data of that channel.
CHANNEL_COLUMNS = {
    Channel.EMAIL: {"email"},
    Channel.SMS: {"phone"},
    Channel.PHONE: {"phone"},
    Channel.POST: {"address"},
}
EXPORT_MAX_ROWS = 50_000


class CustomerListView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "customer_360/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from jewelcrm.retail.selectors import store_list

        context = super().get_context_data(**kwargs)
        filters = ListFilters.from_params(self.request.GET)
        page = selectors.customer_page(
            brand=self.brand, filters=filters, after=self.request.GET.get("after", "")
        )
        params = self.request.GET.copy()
        params.pop("after", None)
        context.update(
            {
                "filters": filters,
                "page": page,
                "customers": page.customers,
                "stores": list(store_list(brand=self.brand).values("pk", "code", "name")),
                "countries": customer_selectors.customer_countries(brand=self.brand),
                "tags": customer_selectors.customer_tags(brand=self.brand),
                "channels": Channel.choices,
                "querystring": params.urlencode(),
                # The list's filters, carried over to the export form (built here: a template reading
                # `request.GET.items` would get the `items` filter's value instead of the method).
                "export_params": [
                    (key, value)
                    for key, values in self.request.GET.lists()
                    if key not in ("consent", "page")
                    for value in values
                ],
                "can_edit": self.membership.role in MARKETING_ROLES,
            }
        )
        return context


class CustomerExportView(BrandViewMixin, TemplateView):
    """CSV of the filtered list, restricted to the customers with an active consent for the chosen channel.
    Cells are neutralised against spreadsheet formulas. Audited."""

    allowed_roles = MARKETING_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from jewelcrm.accounts.services import audit_log_record

        channel = request.GET.get("consent", "")
        if channel not in Channel.values:
            return HttpResponse(
                EXPORT_CHANNEL_REQUIRED,
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        filters = ListFilters.from_params(request.GET)
        customers = selectors.customer_list_filtered(brand=self.brand, filters=filters)[:EXPORT_MAX_ROWS]
        keep = {
            "id",
            "external_id",
            "title",
            "first_name",
            "last_name",
            "postal_code",
            "city",
            "country",
            "language",
            "home_store",
            "tags",
            *CHANNEL_COLUMNS[channel],
        }
        columns = [(name, label) for name, label in EXPORT_COLUMNS if name in keep]
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv_safe_writer(buffer, delimiter=";")
        writer.writerow([label for _name, label in columns])
        count = 0
        for customer in customers:
            row = []
            for name, _label in columns:
                if name == "home_store":
                    value = customer.home_store.code if customer.home_store else ""
                elif name == "tags":
                    value = ", ".join(customer.tags or [])
                else:
                    value = getattr(customer, name)
                row.append(value)
            writer.writerow(row)
            count += 1
        audit_log_record(
            brand=self.brand,
            action="customer.csv_export",
            actor=request.user,
            ip=request.META.get("REMOTE_ADDR"),
            data={
                "channel": channel,
                "rows": count,
                "filters": {
                    "q": bool(filters.query),
                    "country": filters.country,
                    "store": filters.home_store_id,
                    "tag": filters.tag,
                    "items": filters.has_items,
                },
            },
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = content_disposition_header(True, f"customers-{channel}-{stamp}.csv")
        return response


class _Moved(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


class Customer360View(BrandViewMixin, TemplateView):
    """A merged profile's old address redirects to the profile it was merged into."""

    allowed_roles = BRAND_ROLES
    template_name = "customer_360/detail.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().get(request, *args, **kwargs)
        except _Moved as moved:
            return HttpResponseRedirect(moved.url)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        customer = customer_selectors.customer_get(brand=self.brand, customer_id=self.kwargs["pk"])
        if customer is None:
            survivor = customer_selectors.customer_survivor_id(
                brand=self.brand, customer_id=self.kwargs["pk"]
            )
            if survivor is not None:
                raise _Moved(
                    reverse("customer360:detail", kwargs={"brand_slug": self.brand.slug, "pk": survivor})
                )
            raise Http404
        context["customer"] = customer
        context.update(
            selectors.customer_360(brand=self.brand, customer=customer, today=timezone.localdate())
        )
        context["can_edit"] = self.membership.role in MARKETING_ROLES and not customer.is_pseudonymised
        context["can_gdpr"] = self.membership.role in ADMIN_ROLES
        context["field_sources"] = customer.field_sources or {}
        from jewelcrm.accounts.panels import customer_panels

        context["customer_panels"] = customer_panels(brand=self.brand, customer=customer)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise PermissionDenied
