"""Intranet pages (retailer staff, one store): sale registration, warranty card, recognition,
interventions and the store's warranty claims. Thin: validate, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from customers.normalise import email_normalise, mask_email, mask_phone, phone_normalise
from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES
from jewelcrm.labels import event_label
from jewelcrm.tenancy.views import BrandViewMixin
from warranties import selectors, services
from warranties.forms import ClaimForm, InterventionForm, InterventionUpdateForm, LookupForm, RegistrationForm
from warranties.models import ClaimStatus, InterventionStatus

PAGE_SIZE = 25
OPEN_CLAIM_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def apply_service_error(form: Any, error: ValidationError, default_field: str | None = None) -> None:
    """Put a service's ValidationError next to the fields it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(default_field, error.messages)


class StoreViewMixin(BrandViewMixin):
    """Intranet page: retailer staff, scoped to the store of their membership."""

    allowed_roles = RETAIL_ROLES

    @property
    def store(self) -> Any:
        return self.membership.store


class BrandOrStoreViewMixin(BrandViewMixin):
    """Pages that brand staff see for the whole brand and retailer staff for their store."""

    allowed_roles = BRAND_ROLES | RETAIL_ROLES

    @property
    def store(self) -> Any:
        return self.membership.store if self.membership.role in RETAIL_ROLES else None


# --- Sale registration ----------------------------------------------------------------------------


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
        item = selectors.item_find(brand=self.brand, query=data["item_query"])
        if item is None:
            form.add_error("item_query", services.item_not_found_error())
            return self._render(form, status=400)
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
        new_customer = services.CustomerInput(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            language=data["language"],
            country=str(self.store.country or ""),
        )
        from customers.selectors import customer_find

        existing = customer_find(brand=self.brand, email=data["email"], phone=data["phone"])
        if existing is None and not (data["first_name"].strip() and data["last_name"].strip()):
            form.add_error("first_name", _("New customer: give the first and last name."))
            return self._render(form, item=item, status=400)
        try:
            registration, _created = services.registration_create(
                brand=self.brand,
                store=self.store,
                item=item,
                customer=existing,
                new_customer=new_customer,
                price_paid=data["price_paid"],
                currency=data["currency"],
                gift=gift,
                consents=form.consents,
                associate=request.user,
                idempotency_key=data["idempotency_key"],
                ip=client_ip(request),
                customer_looked_up=True,
            )
        except ValidationError as error:
            code = getattr(error, "code", None)
            if code == services.ITEM_FLAGGED:
                services.item_flagged_sale_attempt(
                    brand=self.brand, item=item, store=self.store, actor=request.user, ip=client_ip(request)
                )
            apply_service_error(form, error, default_field="item_query")
            transfer_url = lookup_url = None
            if code == services.ITEM_ALREADY_SOLD:
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
        response["Content-Disposition"] = f'attachment; filename="warranty-{registration.item.serial}.pdf"'
        return response


# --- Worldwide recognition ------------------------------------------------------------------------


class LookupView(StoreViewMixin, View):
    """Any store of the brand recognises a piece or its owner: pieces, warranty, service history."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from customers.selectors import customer_find

        form = LookupForm(request.GET or None)
        context: dict[str, Any] = {"brand": self.brand, "membership": self.membership, "form": form}
        if form.is_bound and form.is_valid():
            query = form.cleaned_data["q"].strip()
            customer, item, kind = None, None, ""
            if "@" in query:
                try:
                    customer = customer_find(brand=self.brand, email=email_normalise(query))
                except ValidationError as error:
                    form.add_error("q", error)
                kind = "email"
            else:
                item = selectors.item_find(brand=self.brand, query=query)
                if item is None:
                    try:
                        phone = phone_normalise(query, default_region=str(self.store.country or "") or None)
                        customer = customer_find(brand=self.brand, phone=phone)
                        kind = "phone"
                    except ValidationError:
                        pass
                else:
                    customer = item.owner
                    kind = "item"
            if customer is not None and customer.home_store_id != self.store.pk:
                services.customer_lookup_audit(
                    brand=self.brand,
                    customer=customer,
                    store=self.store,
                    actor=request.user,
                    query_kind=kind,
                    ip=client_ip(request),
                )
            if item is not None:
                context["pieces"] = selectors.pieces_of_items(brand=self.brand, items=[item])
            elif customer is not None:
                context["pieces"] = selectors.customer_pieces(brand=self.brand, customer=customer)
            if customer is not None:
                context["owner"] = {
                    "name": customer.full_name,
                    "email": mask_email(customer.email),
                    "phone": mask_phone(customer.phone),
                    "is_own": customer.home_store_id == self.store.pk,
                }
            context["searched"] = True
            context["found"] = bool(item or customer)
        return TemplateResponse(request, "warranties/lookup.html", context)


# --- Interventions --------------------------------------------------------------------------------


class InterventionListView(StoreViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        show_all = request.GET.get("all") == "1"
        query = request.GET.get("q", "").strip()[:64]
        qs = selectors.intervention_list(
            brand=self.brand, store=self.store, open_only=not show_all, query=query
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "page": page,
            "show_all": show_all,
            "q": query,
        }
        return TemplateResponse(request, "warranties/intervention_list.html", context)


class InterventionCreateView(StoreViewMixin, View):
    template_name = "warranties/intervention_form.html"

    def _render(self, form: Any, status: int = 200) -> HttpResponse:
        return TemplateResponse(
            self.request,
            self.template_name,
            {"brand": self.brand, "membership": self.membership, "form": form},
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        initial = {"received_on": timezone.localdate(), "item_query": request.GET.get("item", "")[:64]}
        return self._render(InterventionForm(initial=initial))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = InterventionForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        data = form.cleaned_data
        item = selectors.item_find(brand=self.brand, query=data["item_query"])
        if item is None:
            form.add_error("item_query", services.item_not_found_error())
            return self._render(form, status=400)
        try:
            intervention = services.intervention_create(
                brand=self.brand,
                item=item,
                store=self.store,
                kind=data["kind"],
                received_on=data["received_on"],
                description=data["description"],
                parts=data["parts"],
                labour_cost=data["labour_cost"],
                parts_cost=data["parts_cost"],
                created_by=request.user,
            )
        except ValidationError as error:
            apply_service_error(form, error, default_field="item_query")
            return self._render(form, status=400)
        messages.success(request, _("Intervention logged."))
        return redirect("warranties:intervention_detail", brand_slug=self.brand.slug, pk=intervention.pk)


class InterventionDetailView(StoreViewMixin, View):
    template_name = "warranties/intervention_detail.html"

    def _get(self, pk: int) -> Any:
        intervention = selectors.intervention_get(brand=self.brand, intervention_id=pk, store=self.store)
        if intervention is None:
            raise Http404
        return intervention

    def _render(
        self, intervention: Any, form: Any = None, claim_form: Any = None, status: int = 200
    ) -> HttpResponse:
        statuses = list(InterventionStatus)
        claims = list(intervention.claims.all().order_by("-submitted_at"))
        index = [s.value for s in statuses].index(intervention.status)
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "intervention": intervention,
            "form": form
            or InterventionUpdateForm(
                initial={
                    "description": intervention.description,
                    "parts": intervention.parts,
                    "labour_cost": intervention.labour_cost,
                    "parts_cost": intervention.parts_cost,
                }
            ),
            "claim_form": claim_form
            or ClaimForm(
                initial={"labour_amount": intervention.labour_cost, "parts_amount": intervention.parts_cost}
            ),
            "next_status": statuses[index + 1] if index + 1 < len(statuses) else None,
            "claims": claims,
            "can_claim": intervention.is_under_warranty
            and not any(c.status in OPEN_CLAIM_STATUSES for c in claims),
            "timeline": [
                {"at": e.at, "label": event_label(e.kind, e.data), "store": e.store}
                for e in selectors.item_timeline(brand=self.brand, item=intervention.item)
            ],
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        return self._render(self._get(pk))

    def post(self, request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> HttpResponse:
        intervention = self._get(pk)
        action = request.POST.get("action")
        try:
            if action == "advance":
                services.intervention_advance(
                    brand=self.brand,
                    intervention=intervention,
                    status=request.POST.get("status", ""),
                    actor=request.user,
                )
                messages.success(request, _("Status updated."))
            elif action == "claim":
                claim_form = ClaimForm(request.POST)
                if not claim_form.is_valid():
                    return self._render(intervention, claim_form=claim_form, status=400)
                services.claim_create(
                    brand=self.brand,
                    intervention=intervention,
                    store=self.store,
                    submitted_by=request.user,
                    **claim_form.cleaned_data,
                )
                messages.success(request, _("Warranty claim submitted to the brand."))
            else:
                form = InterventionUpdateForm(request.POST)
                if not form.is_valid():
                    return self._render(intervention, form=form, status=400)
                services.intervention_update(
                    brand=self.brand, intervention=intervention, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Intervention saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self._render(self._get(pk), status=400)
        return redirect("warranties:intervention_detail", brand_slug=self.brand.slug, pk=intervention.pk)


class StoreClaimListView(StoreViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        qs = selectors.claim_list(brand=self.brand, store=self.store).order_by("-submitted_at", "-id")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "warranties/store_claim_list.html",
            {"brand": self.brand, "membership": self.membership, "page": page},
        )
