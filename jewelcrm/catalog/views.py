"""Pages of the catalogue (brand dashboard): list, detail, create and edit in English and French."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES
from jewelcrm.catalog import selectors, services
from jewelcrm.catalog.forms import PhotoForm, ProductFilterForm, ProductForm
from jewelcrm.forms import form_add_service_errors
from jewelcrm.tenancy.views import BrandViewMixin

PAGE_SIZE = 50


def _product_or_404(brand: Any, pk: int) -> Any:
    product = selectors.product_get(brand=brand, product_id=pk)
    if product is None:
        raise Http404
    return product


class ProductListView(BrandViewMixin, View):
    allowed_roles = BRAND_ROLES

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ProductFilterForm(
            request.GET or None, collections=selectors.product_collections(brand=self.brand)
        )
        filters = form.cleaned_data if form.is_valid() else {}
        products = selectors.product_list(
            brand=self.brand,
            search=filters.get("q", ""),
            collection=filters.get("collection", ""),
            category=filters.get("category", ""),
        )
        page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "catalog/product_list.html",
            {
                "brand": self.brand,
                "membership": self.membership,
                "form": form,
                "page_obj": page,
                "can_edit": self.membership.role in ADMIN_ROLES,
            },
        )


class ProductDetailView(BrandViewMixin, View):
    allowed_roles = BRAND_ROLES

    def get(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        return self._render(request, _product_or_404(self.brand, pk), PhotoForm())

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        """Upload a new photo from the detail page (owners and admins)."""
        if self.membership.role not in ADMIN_ROLES:
            raise PermissionDenied
        product = _product_or_404(self.brand, pk)
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.product_update(
                    brand=self.brand, product=product, photo=form.cleaned_data["photo"], actor=request.user
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Photo of %(ref)s saved.") % {"ref": product.reference})
                return redirect("catalog:product_detail", brand_slug=self.brand.slug, pk=product.pk)
        return self._render(request, product, form, status=400)

    def _render(self, request: HttpRequest, product: Any, form: PhotoForm, status: int = 200) -> HttpResponse:
        return TemplateResponse(
            request,
            "catalog/product_detail.html",
            {
                "brand": self.brand,
                "membership": self.membership,
                "product": product,
                "complements": list(product.complements.all()),
                "can_edit": self.membership.role in ADMIN_ROLES,
                "photo_form": form,
            },
            status=status,
        )


class _ProductFormView(BrandViewMixin, View):
    allowed_roles = ADMIN_ROLES

    def _products(self, exclude: Any = None) -> Any:
        products = selectors.product_list(brand=self.brand)
        return products.exclude(pk=exclude.pk) if exclude is not None else products

    def _render(self, request: HttpRequest, form: ProductForm, product: Any = None) -> HttpResponse:
        return TemplateResponse(
            request,
            "catalog/product_form.html",
            {
                "brand": self.brand,
                "membership": self.membership,
                "form": form,
                "product": product,
            },
            status=400 if form.errors else 200,
        )


class ProductCreateView(_ProductFormView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ProductForm(products=self._products(), initial={"currency": self.brand.default_currency})
        return self._render(request, form)

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ProductForm(request.POST, request.FILES, products=self._products())
        if form.is_valid():
            try:
                product = services.product_create(brand=self.brand, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Product %(ref)s created.") % {"ref": product.reference})
                return redirect("catalog:product_detail", brand_slug=self.brand.slug, pk=product.pk)
        return self._render(request, form)


class ProductUpdateView(_ProductFormView):
    def get(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        product = _product_or_404(self.brand, pk)
        initial = {name: getattr(product, name) for name in services.PRODUCT_FIELDS if name != "photo"}
        initial["complements"] = [p.pk for p in product.complements.all()]
        return self._render(request, ProductForm(products=self._products(product), initial=initial), product)

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        product = _product_or_404(self.brand, pk)
        form = ProductForm(request.POST, request.FILES, products=self._products(product))
        if form.is_valid():
            data = dict(form.cleaned_data)
            complements = data.pop("complements")
            if not data.get("photo"):
                data.pop("photo", None)
            try:
                services.product_update(
                    brand=self.brand, product=product, complements=complements, actor=request.user, **data
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Product %(ref)s saved.") % {"ref": product.reference})
                return redirect("catalog:product_detail", brand_slug=self.brand.slug, pk=product.pk)
        return self._render(request, form, product)
