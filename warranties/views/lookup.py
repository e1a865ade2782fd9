"""Worldwide recognition: any owner of the brand found by serial, e-mail or phone."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views import View

from customers.normalise import email_normalise, mask_email, mask_phone, phone_normalise
from jewelcrm.http import client_ip
from warranties import selectors, services
from warranties.forms import LookupForm
from warranties.views.base import StoreViewMixin


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
