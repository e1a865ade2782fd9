"""The signed-in owner's pages: my pieces, my data, exclusive content, service requests, loss, transfer."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import View

from warranties.portal import selectors, services, session
from warranties.portal.emails import site_url
from warranties.portal.forms import (
    DeleteAccountForm,
    LossForm,
    ProfileForm,
    RsvpForm,
    ServiceRequestForm,
    TransferStartForm,
)
from warranties.portal.views.base import OwnerRequiredMixin, client_ip

TRANSFER_CODE_SESSION_KEY = "portal_transfer_code"


class OwnerView(OwnerRequiredMixin, View):
    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"portal_brand": self.brand, "portal_customer": self.customer, "portal_nav": True}
        return TemplateResponse(self.request, f"portal/{template}", {**base, **context}, status=status)

    def item_or_404(self, item_id: int) -> Any:
        item = selectors.owner_item_get(brand=self.brand, customer=self.customer, item_id=item_id)
        if item is None:
            raise Http404
        return item

    def to_item(self, item: Any) -> HttpResponse:
        return redirect("portal:piece", brand_slug=self.brand.slug, pk=item.pk)


class PiecesView(OwnerView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        items = [
            selectors.item_summary(item=item)
            for item in selectors.owner_item_list(brand=self.brand, customer=self.customer)
        ]
        requests = list(selectors.service_request_list_for_customer(customer=self.customer)[:10])
        return self.render("pieces.html", {"pieces": items, "service_requests": requests})


class PieceView(OwnerView):
    def get(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = self.item_or_404(pk)
        transfer_code = None
        stored = request.session.get(TRANSFER_CODE_SESSION_KEY)
        if stored and stored.get("item") == item.pk:
            transfer_code = stored["code"]
            del request.session[TRANSFER_CODE_SESSION_KEY]  # shown once
        pending = selectors.transfer_pending_for(item=item)
        claim_url = ""
        if transfer_code:
            claim_url = (
                site_url(reverse("portal:claim", kwargs={"brand_slug": self.brand.slug}))
                + f"?code={transfer_code}"
            )
        return self.render(
            "piece.html",
            {
                "s": selectors.item_summary(item=item),
                "events": selectors.item_events_public(item=item),
                "pending_transfer": pending,
                "transfer_code": transfer_code,
                "claim_url": claim_url,
                "loss_form": LossForm(),
                "transfer_form": TransferStartForm(),
            },
        )


class WarrantyCardView(OwnerView):
    def get(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        from warranties.portal.pdf import warranty_card_pdf

        item = self.item_or_404(pk)
        summary = selectors.item_summary(item=item)
        content = warranty_card_pdf(brand=self.brand, item=item, registration=summary["registration"])
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, f"warranty-{item.public_code}.pdf")
        return response


class ServiceRequestView(OwnerView):
    def form(self, data: Any = None, initial: dict[str, Any] | None = None) -> ServiceRequestForm:
        choices = selectors.store_choices(brand=self.brand)
        return ServiceRequestForm(data, store_choices=choices, initial=initial)

    def get(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = self.item_or_404(pk)
        # The store of purchase is proposed first: the owner changes it when they are elsewhere.
        registration = selectors.item_summary(item=item)["registration"]
        initial = {"store": registration.store_id} if registration else None
        return self.render("service_request.html", {"item": item, "form": self.form(initial=initial)})

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = selectors.owner_item_get(brand=self.brand, customer=self.customer, item_id=pk)
        form = self.form(request.POST)
        if item is None:
            messages.error(request, _("This piece is no longer registered to you."))
            return redirect("portal:pieces", brand_slug=self.brand.slug)
        if form.is_valid():
            store = selectors.store_get(brand=self.brand, store_id=form.cleaned_data["store"])
            try:
                services.service_request_create(
                    brand=self.brand,
                    customer=self.customer,
                    item=item,
                    store=store,
                    kind=form.cleaned_data["kind"],
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                messages.success(request, _("Your request has been sent to the store."))
                return self.to_item(item)
        return self.render("service_request.html", {"item": item, "form": form}, status=400)


class LossView(OwnerView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = self.item_or_404(pk)
        form = LossForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose lost or stolen."))
            return self.to_item(item)
        try:
            services.item_report_loss(
                brand=self.brand,
                item=item,
                status=form.cleaned_data["status"],
                customer=self.customer,
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Your report has been recorded and the brand has been alerted."))
        return self.to_item(item)


class RecoveredView(OwnerView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = self.item_or_404(pk)
        try:
            services.item_mark_recovered(
                brand=self.brand, item=item, customer=self.customer, ip=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Good news! The piece is no longer reported lost or stolen."))
        return self.to_item(item)


class TransferStartView(OwnerView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = self.item_or_404(pk)
        form = TransferStartForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose sale or gift."))
            return self.to_item(item)
        try:
            _transfer, code = services.transfer_start(
                brand=self.brand, item=item, customer=self.customer, kind=form.cleaned_data["kind"]
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            # Shown once, on the next page, then forgotten: only its hash is stored.
            request.session[TRANSFER_CODE_SESSION_KEY] = {"item": item.pk, "code": code}
        return self.to_item(item)


class TransferCancelView(OwnerView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = self.item_or_404(pk)
        pending = selectors.transfer_pending_for(item=item)
        if pending is not None:
            try:
                services.transfer_cancel(brand=self.brand, transfer=pending, customer=self.customer)
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                messages.success(request, _("The transfer has been cancelled."))
        return self.to_item(item)


class MyDataView(OwnerView):
    def initial(self) -> dict[str, Any]:
        from customers.selectors import consent_current

        c = self.customer
        current = consent_current(brand=self.brand, customer=c)
        data: dict[str, Any] = {name: getattr(c, name) for name in services.EDITABLE_FIELDS}
        data["country"] = str(c.country or "")
        data["language"] = c.language or self.brand.default_language
        for channel, entry in current.items():
            data[f"consent_{channel}"] = bool(entry and entry.is_granted)
        return data

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ProfileForm(
            initial=self.initial(), default_region=str(self.customer.country or self.brand.country)
        )
        return self.render("my_data.html", {"form": form})

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ProfileForm(request.POST, default_region=str(self.customer.country or self.brand.country))
        if not form.is_valid():
            return self.render("my_data.html", {"form": form}, status=400)
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        ip = client_ip(request)
        services.customer_update_own(brand=self.brand, customer=self.customer, ip=ip, **fields)
        services.consents_set(brand=self.brand, customer=self.customer, wanted=form.consents(), ip=ip)
        messages.success(request, _("Your details have been saved."))
        return redirect("portal:my_data", brand_slug=self.brand.slug)


class ExportView(OwnerView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        from customers.gdpr import customer_export  # written by the customer hub (contract C4)

        data = customer_export(brand=self.brand, customer=self.customer)
        response = HttpResponse(
            json.dumps(data, indent=2, default=str, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(True, f"my-data-{self.brand.slug}.json")
        return response


class DeleteAccountView(OwnerView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return self.render("delete_account.html", {"form": DeleteAccountForm()})

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        from customers.gdpr import customer_erase  # contract C4

        form = DeleteAccountForm(request.POST)
        if not form.is_valid():
            return self.render("delete_account.html", {"form": form}, status=400)
        customer_erase(brand=self.brand, customer=self.customer, actor=None)
        session.sign_out(request, brand=self.brand)
        messages.success(request, _("Your account has been deleted and your personal data erased."))
        return redirect("portal:sign_in", brand_slug=self.brand.slug)


class NewsView(OwnerView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        posts = selectors.post_list_for_owner(brand=self.brand, customer=self.customer)
        page = Paginator(posts, 10).get_page(request.GET.get("page"))
        return self.render("news.html", {"page": page})


class PostView(OwnerView):
    def post_or_404(self, pk: int) -> Any:
        post = selectors.post_get_for_owner(brand=self.brand, customer=self.customer, post_id=pk)
        if post is None:
            raise Http404
        return post

    def get(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        post = self.post_or_404(pk)
        return self.render(
            "post.html", {"post": post, "rsvp": selectors.rsvp_summary(post=post, customer=self.customer)}
        )

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        post = self.post_or_404(pk)
        form = RsvpForm(request.POST)
        if form.is_valid():
            try:
                services.rsvp_answer(
                    brand=self.brand, post=post, customer=self.customer, answer=form.cleaned_data["answer"]
                )
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                messages.success(request, _("Thank you, your answer has been recorded."))
        return redirect("portal:post", brand_slug=self.brand.slug, pk=post.pk)
