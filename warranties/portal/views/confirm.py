"""C1: the double opt-in link of the registration e-mail.

GET only shows a button (mail scanners that fetch links must not confirm anything); POST confirms.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.generic import View

from warranties.portal.views.base import PortalBrandMixin, client_ip


class ConsentConfirmView(PortalBrandMixin, View):
    template_name = "portal/confirm.html"

    def get(self, request: HttpRequest, brand_slug: str, token: str) -> HttpResponse:
        return TemplateResponse(request, self.template_name, {"portal_brand": self.brand, "state": "ask"})

    def post(self, request: HttpRequest, brand_slug: str, token: str) -> HttpResponse:
        from customers.services import consent_confirm

        try:
            consent_confirm(brand=self.brand, token=token, ip=client_ip(request))
        except ValidationError:
            context: dict[str, Any] = {"portal_brand": self.brand, "state": "invalid"}
            return TemplateResponse(request, self.template_name, context, status=400)
        return TemplateResponse(request, self.template_name, {"portal_brand": self.brand, "state": "done"})
