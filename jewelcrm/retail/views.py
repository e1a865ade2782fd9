"""Pages of the retail network (brand dashboard): retailers and stores."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES
from jewelcrm.currencies import currency_codes
from jewelcrm.forms import form_add_service_errors
from jewelcrm.retail import selectors, services
from jewelcrm.retail.forms import RetailerForm, StoreFilterForm, StoreForm
from jewelcrm.tenancy.views import BrandViewMixin

PAGE_SIZE = 50


class StoreListView(BrandViewMixin, View):
    allowed_roles = BRAND_ROLES

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreFilterForm(request.GET or None, country_codes=selectors.store_countries(brand=self.brand))
        filters = form.cleaned_data if form.is_valid() else {}
        stores = selectors.store_list(
            brand=self.brand,
            search=filters.get("q", ""),
            country=filters.get("country", ""),
            type=filters.get("type", ""),
        )
        page = Paginator(stores, PAGE_SIZE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "retail/store_list.html",
            {
                "brand": self.brand,
                "membership": self.membership,
                "form": form,
                "page_obj": page,
                "retailers": selectors.retailer_list(brand=self.brand),
                "can_edit": self.membership.role in ADMIN_ROLES,
            },
        )


class _StoreFormMixin(BrandViewMixin):
    allowed_roles = ADMIN_ROLES

    def render_form(self, request: HttpRequest, form: StoreForm, store: Any = None) -> HttpResponse:
        return TemplateResponse(
            request,
            "retail/store_form.html",
            {
                "brand": self.brand,
                "membership": self.membership,
                "form": form,
                "store": store,
                "currencies": sorted(currency_codes()),
                "time_zones": sorted(available_timezones()),
            },
            status=400 if form.errors else 200,
        )


class StoreCreateView(_StoreFormMixin, View):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreForm(
            retailers=selectors.retailer_list(brand=self.brand),
            initial={"currency": self.brand.default_currency, "time_zone": self.brand.time_zone},
        )
        return self.render_form(request, form)

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreForm(request.POST, retailers=selectors.retailer_list(brand=self.brand))
        if form.is_valid():
            try:
                store = services.store_create(brand=self.brand, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Store %(code)s created.") % {"code": store.code})
                return redirect("retail:store_list", brand_slug=self.brand.slug)
        return self.render_form(request, form)


class StoreUpdateView(_StoreFormMixin, View):
    def _store(self, pk: int) -> Any:
        store = selectors.store_get(brand=self.brand, store_id=pk)
        if store is None:
            raise Http404
        return store

    def get(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        store = self._store(pk)
        initial = {name: getattr(store, name) for name in services.STORE_FIELDS}
        initial["country"] = str(store.country)
        return self.render_form(
            request, StoreForm(retailers=selectors.retailer_list(brand=self.brand), initial=initial), store
        )

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        store = self._store(pk)
        form = StoreForm(request.POST, retailers=selectors.retailer_list(brand=self.brand))
        if form.is_valid():
            try:
                services.store_update(brand=self.brand, store=store, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Store %(code)s saved.") % {"code": store.code})
                return redirect("retail:store_list", brand_slug=self.brand.slug)
        return self.render_form(request, form, store)


class RetailerCreateView(BrandViewMixin, View):
    allowed_roles = ADMIN_ROLES

    def _render(self, request: HttpRequest, form: RetailerForm) -> HttpResponse:
        return TemplateResponse(
            request,
            "retail/retailer_form.html",
            {
                "brand": self.brand,
                "membership": self.membership,
                "form": form,
            },
            status=400 if form.errors else 200,
        )

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return self._render(request, RetailerForm())

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = RetailerForm(request.POST)
        if form.is_valid():
            try:
                retailer = services.retailer_create(brand=self.brand, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Retailer %(name)s created.") % {"name": retailer.name})
                return redirect("retail:store_list", brand_slug=self.brand.slug)
        return self._render(request, form)
