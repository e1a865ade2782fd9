"""The sale at the counter: the form, its htmx look-ups, the digital warranty card."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views import View

from customers.normalise import email_normalise, mask_email, mask_phone, phone_normalise
from jewelcrm.forms import form_add_service_errors
from jewelcrm.http import client_ip
from warranties import selectors, services
from warranties.forms import RegistrationForm
from warranties.views.base import BrandOrStoreViewMixin, StoreViewMixin


class RegistrationCreateView(StoreViewMixin, View):
    template_name = "warranties/registration_form.html"

    def _form(self, data: Any = None) -> RegistrationForm:
        language = getattr(self.request, "LANGUAGE_CODE", "") or self.brand.default_language
        initial = {}
        if data is None and self.request.GET.get("item"):
            initial["item_query"] = self.request.GET["item"][:64]
        form = RegistrationForm(data, store=self.store, language=language, initial=initial)
        slug = self.brand.slug
        form.fields["item_query"].widget.attrs.update(
            {
                "hx-get": reverse("warranties:item_lookup", kwargs={"brand_slug": slug}),
                # register.js fires "lookup" on Enter (barcode scanners), on change and after a camera scan.
                "hx-trigger": "lookup",
                "hx-target": "#item-found",
            }
        )
        for name in ("email", "phone"):
            form.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("warranties:customer_lookup", kwargs={"brand_slug": slug}),
                    "hx-trigger": "change",
                    "hx-target": "#customer-found",
                    "hx-include": "#id_email, #id_phone",
                }
            )
        return form

    def _render(
        self, form: RegistrationForm, item: Any = None, status: int = 200, **extra: Any
    ) -> HttpResponse:
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "form": form,
            "item": item,
            "store": self.store,
            **extra,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        data = form.cleaned_data
        gift = None
        if data["is_gift"]:
            gift = services.GiftInput(
                recipient_name=data["gift_recipient_name"],
                relation=data["gift_relation"] or "other",
                occasion=data["gift_occasion"],
                birthday=data["gift_birthday"],
                email=data["gift_email"],
                has_email_consent=data["gift_email_consent"],
            )
        customer = services.CustomerInput(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            language=data["language"],
            country=str(self.store.country or ""),
        )
        try:
            registration, _created = services.registration_create(
                brand=self.brand,
                store=self.store,
                item_query=data["item_query"],
                customer=customer,
                price_paid=data["price_paid"],
                currency=data["currency"],
                gift=gift,
                consents=form.consents,
                associate=request.user,
                idempotency_key=data["idempotency_key"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            code = getattr(error, "code", None)
            # The piece the form shows again (nothing when it is unknown).
            item = selectors.item_find(brand=self.brand, query=data["item_query"])
            form_add_service_errors(form, error, default_field="item_query")
            transfer_url = lookup_url = None
            if code == services.ITEM_ALREADY_SOLD and item is not None:
                lookup_url = (
                    reverse("warranties:lookup", kwargs={"brand_slug": self.brand.slug})
                    + "?"
                    + urlencode({"q": item.serial})
                )
                try:  # the in-store ownership transfer of the owner portal
                    transfer_url = reverse("portal:store_transfer", kwargs={"brand_slug": self.brand.slug})
                except NoReverseMatch:
                    transfer_url = None
            return self._render(
                form, item=item, status=400, transfer_url=transfer_url, lookup_url=lookup_url, error_code=code
            )
        messages.success(request, _("Sale registered. The warranty is active."))
        return redirect("warranties:card", brand_slug=self.brand.slug, pk=registration.pk)


class ItemLookupPartialView(StoreViewMixin, View):
    """htmx: what the typed or scanned serial finds, before the form is submitted."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        query = " ".join(request.GET.get("item_query", "").split())[:64]
        item = selectors.item_find(brand=self.brand, query=query) if query else None
        problem = ""
        if item is not None:
            try:
                services.item_check_registrable(item)
            except ValidationError as error:
                problem = " ".join(error.messages)
                if getattr(error, "code", None) == services.ITEM_FLAGGED:
                    services.item_flagged_sale_attempt(
                        brand=self.brand,
                        item=item,
                        store=self.store,
                        actor=request.user,
                        ip=client_ip(request),
                    )
        context = {
            "brand": self.brand,
            "query": query,
            "item": item,
            "problem": problem,
            "not_found": bool(query) and item is None,
        }
        return TemplateResponse(request, "warranties/partials/item_found.html", context)


class CustomerLookupPartialView(StoreViewMixin, View):
    """htmx: is the e-mail or phone typed a known customer? Shows only the name and a masked contact."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from customers.selectors import customer_find

        error, customer = "", None
        try:
            email = email_normalise(request.GET.get("email", ""))
            phone = phone_normalise(
                request.GET.get("phone", ""), default_region=str(self.store.country or "") or None
            )
        except ValidationError as exc:
            email = phone = ""
            error = " ".join(exc.messages)
        if email or phone:
            customer = customer_find(brand=self.brand, email=email, phone=phone)
            if customer is not None and customer.home_store_id != self.store.pk:
                services.customer_lookup_audit(
                    brand=self.brand,
                    customer=customer,
                    store=self.store,
                    actor=request.user,
                    query_kind="email" if email else "phone",
                    ip=client_ip(request),
                )
        context = {
            "customer": customer,
            "error": error,
            "searched": bool(email or phone),
            "masked_email": mask_email(customer.email) if customer else "",
            "masked_phone": mask_phone(customer.phone) if customer else "",
        }
        return TemplateResponse(request, "warranties/partials/customer_found.html", context)


class RegistrationCardView(BrandOrStoreViewMixin, View):
    """The digital warranty card: printable page."""

    def get(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        registration = selectors.registration_get(brand=self.brand, registration_id=pk)
        if registration is None or (self.store is not None and registration.store_id != self.store.pk):
            raise Http404
        from warranties.emails import public_item_url
        from warranties.inventory.qr import qr_svg

        url = public_item_url(registration.item)
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "registration": registration,
            "item": registration.item,
            "public_url": url,
            "qr": qr_svg(url),
            "customer_name": registration.customer.full_name,
        }
        return TemplateResponse(request, "warranties/card.html", context)


class RegistrationCardPDFView(BrandOrStoreViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        registration = selectors.registration_get(brand=self.brand, registration_id=pk)
        if registration is None or (self.store is not None and registration.store_id != self.store.pk):
            raise Http404
        from warranties.pdf import warranty_card_pdf

        content = warranty_card_pdf(registration=registration)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, f"warranty-{registration.item.serial}.pdf"
        )
        return response
