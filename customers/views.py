"""Pages of the customer hub: profile editing, relations, consents, duplicates, GDPR, client book.

The customer list and the 360 page live in warranties.customer_360 (they also show items).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from customers import clientbook, dedupe, gdpr, gdpr_sections, selectors, services
from customers.forms import ConsentForm, CustomerForm, EraseForm, MergeForm, RelationForm
from customers.models import ConsentSource
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, MARKETING_ROLES, RETAIL_ROLES
from jewelcrm.forms import form_add_service_errors
from jewelcrm.http import client_ip
from jewelcrm.tenancy.views import BrandViewMixin


def customer_url(brand: Any, customer: Any) -> str:
    return reverse("customer360:detail", kwargs={"brand_slug": brand.slug, "pk": customer.pk})


class CustomerMixin(BrandViewMixin):
    """Resolves `pk` to a live customer of the brand, else 404 (another brand's id answers alike)."""

    def get_customer(self) -> Any:
        customer = selectors.customer_get(brand=self.brand, customer_id=self.kwargs["pk"])
        if customer is None:
            raise Http404
        return customer


class CustomerCreateView(BrandViewMixin, TemplateView):
    allowed_roles = MARKETING_ROLES
    template_name = "customers/customer_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=CustomerForm(brand=self.brand)))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CustomerForm(request.POST, brand=self.brand)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                customer = services.customer_create(
                    brand=self.brand,
                    first_name=data.pop("first_name"),
                    last_name=data.pop("last_name"),
                    email=data.pop("email"),
                    phone=data.pop("phone"),
                    language=data.pop("language"),
                    country=data.pop("country"),
                    source="staff",
                    **data,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                from jewelcrm.accounts.services import audit_log_record

                audit_log_record(brand=self.brand, action="customer.create", actor=request.user, obj=customer)
                messages.success(request, _("Customer created."))
                return HttpResponseRedirect(customer_url(self.brand, customer))
        return self.render_to_response(self.get_context_data(form=form))


class CustomerEditView(CustomerMixin, TemplateView):
    allowed_roles = MARKETING_ROLES
    template_name = "customers/customer_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        form = CustomerForm(instance=customer, brand=self.brand)
        return self.render_to_response(self.get_context_data(form=form, customer=customer))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        if customer.is_pseudonymised:
            raise Http404
        form = CustomerForm(request.POST, instance=customer, brand=self.brand)
        if form.is_valid():
            try:
                services.customer_update(
                    brand=self.brand,
                    customer=customer,
                    data=form.cleaned_data,
                    actor=request.user,
                    source="staff",
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Profile saved."))
                return HttpResponseRedirect(customer_url(self.brand, customer))
        return self.render_to_response(self.get_context_data(form=form, customer=customer))


class RelationEditView(CustomerMixin, TemplateView):
    """Add (no relation_id) or change a gift recipient."""

    allowed_roles = MARKETING_ROLES
    template_name = "customers/relation_form.html"

    def get_relation(self, customer: Any) -> Any:
        relation_id = self.kwargs.get("relation_id")
        if relation_id is None:
            return None
        relation = selectors.relation_get(brand=self.brand, customer=customer, relation_id=relation_id)
        if relation is None:
            raise Http404
        return relation

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        relation = self.get_relation(customer)
        form = RelationForm(instance=relation)
        return self.render_to_response(self.get_context_data(form=form, customer=customer, relation=relation))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        relation = self.get_relation(customer)
        form = RelationForm(request.POST, instance=relation)
        if form.is_valid():
            try:
                services.relation_save(
                    brand=self.brand,
                    customer=customer,
                    relation=relation,
                    data=form.cleaned_data,
                    actor=request.user,
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Relation saved."))
                return HttpResponseRedirect(customer_url(self.brand, customer) + "#relations")
        return self.render_to_response(self.get_context_data(form=form, customer=customer, relation=relation))


class RelationDeleteView(CustomerMixin, TemplateView):
    allowed_roles = MARKETING_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        relation = selectors.relation_get(
            brand=self.brand, customer=customer, relation_id=kwargs["relation_id"]
        )
        if relation is None:
            raise Http404
        services.relation_delete(brand=self.brand, customer=customer, relation=relation, actor=request.user)
        messages.success(request, _("Relation removed."))
        return HttpResponseRedirect(customer_url(self.brand, customer) + "#relations")


class ConsentView(CustomerMixin, TemplateView):
    """The ledger of one person and a form to append an entry (grant or withdrawal) given to staff."""

    allowed_roles = BRAND_ROLES
    template_name = "customers/consents.html"

    def context(self, customer: Any, form: Any) -> dict[str, Any]:
        return self.get_context_data(
            customer=customer,
            form=form,
            can_edit=self.membership.role in MARKETING_ROLES,
            status=selectors.consent_status_table(brand=self.brand, customer=customer),
            ledger=list(selectors.consent_ledger(brand=self.brand, customer=customer)),
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        return self.render_to_response(self.context(customer, ConsentForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.membership.role not in MARKETING_ROLES:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        customer = self.get_customer()
        form = ConsentForm(request.POST)
        if form.is_valid() and not customer.is_pseudonymised:
            data = form.cleaned_data
            common = {
                "brand": self.brand,
                "customer": customer,
                "channel": data["channel"],
                "purpose": data["purpose"],
                "source": ConsentSource.STAFF,
                "staff": request.user,
                "ip": client_ip(request),
                "wording_version": data["wording_version"],
            }
            if data["decision"] == "grant":
                services.consent_record(is_granted=True, **common)
            else:
                services.consent_withdraw(**common)
            messages.success(request, _("Consent ledger updated."))
            return HttpResponseRedirect(
                reverse("customers:consents", kwargs={"brand_slug": self.brand.slug, "pk": customer.pk})
            )
        return self.render_to_response(self.context(customer, form))


class DuplicateListView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "customers/duplicates.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["pairs"] = dedupe.duplicate_pair_list(brand=self.brand)
        context["can_merge"] = self.membership.role in MARKETING_ROLES
        return context


class MergeView(BrandViewMixin, TemplateView):
    allowed_roles = MARKETING_ROLES
    template_name = "customers/merge.html"
    compared_fields = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "birth_date",
        "address",
        "postal_code",
        "city",
        "country",
        "language",
        "home_store",
        "customer_since",
        "external_id",
    )

    def get_pair(self) -> Any:
        pair = dedupe.duplicate_pair_get(
            brand=self.brand, first_id=self.kwargs["first"], second_id=self.kwargs["second"]
        )
        if pair is None:
            raise Http404
        return pair

    def context(self, pair: Any, form: Any) -> dict[str, Any]:
        from customers.models import Customer

        rows = [
            (
                Customer._meta.get_field(name).verbose_name,
                getattr(pair.first, name),
                getattr(pair.second, name),
            )
            for name in self.compared_fields
        ]
        return self.get_context_data(pair=pair, form=form, rows=rows)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pair = self.get_pair()
        return self.render_to_response(self.context(pair, MergeForm(pair=pair)))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pair = self.get_pair()
        form = MergeForm(request.POST, pair=pair)
        if form.is_valid():
            survivor, other = (
                (pair.first, pair.second)
                if form.cleaned_data["survivor"] == pair.first.pk
                else (pair.second, pair.first)
            )
            try:
                dedupe.customer_merge(brand=self.brand, survivor=survivor, other=other, actor=request.user)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Profiles merged."))
                return HttpResponseRedirect(customer_url(self.brand, survivor))
        return self.render_to_response(self.context(pair, form))


class GdprView(CustomerMixin, TemplateView):
    """Everything held about the person, readable; `?download=json` gives the same as a JSON file."""

    allowed_roles = ADMIN_ROLES
    template_name = "customers/gdpr.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        export = gdpr.customer_export(brand=self.brand, customer=customer, actor=request.user)
        if request.GET.get("download") == "json":
            response = HttpResponse(
                json.dumps(export, indent=2, ensure_ascii=False),
                content_type="application/json; charset=utf-8",
            )
            stamp = timezone.localdate().isoformat()
            response["Content-Disposition"] = content_disposition_header(
                True, f"customer-{customer.pk}-{stamp}.json"
            )
            return response
        level1, level2 = gdpr.related_rows(customer)
        return self.render_to_response(
            self.get_context_data(
                customer=customer,
                exported_at=timezone.now(),
                sections=gdpr_sections.customer_sections(customer=customer, level1=level1, level2=level2),
                erase_form=EraseForm(),
            )
        )


class EraseView(CustomerMixin, TemplateView):
    allowed_roles = ADMIN_ROLES
    template_name = "customers/erase.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(customer=self.get_customer(), form=EraseForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = self.get_customer()
        form = EraseForm(request.POST)
        if form.is_valid():
            gdpr.customer_erase(brand=self.brand, customer=customer, actor=request.user)
            messages.success(request, _("The customer's personal data has been erased."))
            return HttpResponseRedirect(customer_url(self.brand, customer))
        return self.render_to_response(self.get_context_data(customer=customer, form=form))


CLIENT_BOOK_PAGE_SIZE = 25


class ClientBookView(BrandViewMixin, TemplateView):
    allowed_roles = RETAIL_ROLES
    template_name = "customers/client_book.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:100]
        book = clientbook.client_book(
            brand=self.brand,
            membership=self.membership,
            today=timezone.localdate(),
            query=query,
            page=self.request.GET.get("page"),
            size=CLIENT_BOOK_PAGE_SIZE,
        )
        # A page of the book, in the order of its kept ranks (customers.book_ranks, ADR 0049).
        context.update(dates=book["dates"], entries=book["entries"], page_obj=book["page_obj"])
        context["query"] = query
        context["window_days"] = clientbook.DATE_WINDOW_DAYS
        # Clients to contact this week: the book's customers with the most value at risk (nightly scores).
        from jewelcrm.accounts.panels import client_book_panels, contact_priorities, customer_products

        # Sections of the apps above (campaigns' outreach tasks), through the panels registry.
        context["book_panels"] = client_book_panels(brand=self.brand, membership=self.membership)

        by_id = {e.customer.pk: e.customer for e in context["entries"]}
        owned = customer_products(brand=self.brand, customer_ids=list(by_id))
        for entry in context["entries"]:
            entry.products = owned.get(entry.customer.pk, [])
        context["contact_this_week"] = [
            {**entry, "customer": by_id[entry["customer_id"]]}
            for entry in contact_priorities(brand=self.brand, customer_ids=list(by_id))
        ]
        return context


class MarkContactedView(BrandViewMixin, TemplateView):
    allowed_roles = RETAIL_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = (
            clientbook.book_customers(brand=self.brand, membership=self.membership)
            .filter(pk=kwargs["pk"])
            .first()
        )
        if customer is None:
            raise Http404
        services.customer_mark_contacted(brand=self.brand, customer=customer, actor=request.user)
        messages.success(request, _("Contact noted."))
        return HttpResponseRedirect(reverse("customers:client_book", kwargs={"brand_slug": self.brand.slug}))
