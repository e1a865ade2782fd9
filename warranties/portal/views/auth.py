"""Passwordless sign-in to the owner portal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.generic import View

from warranties.portal.views.base import PortalBrandMixin


class SignInView(PortalBrandMixin, View):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return TemplateResponse(request, "portal/sign_in.html", {"portal_brand": self.brand})
