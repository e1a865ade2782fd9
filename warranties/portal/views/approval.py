"""The owner answers what a store asked about their piece, by the link e-mailed to them.

GET only shows what was asked and two buttons (mail scanners that fetch links must not decide
anything); POST confirms or refuses. A wrong token, another brand's id and a missing one answer alike.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.views.generic import View

from warranties.portal import services
from warranties.portal.forms import ApprovalDecisionForm
from warranties.portal.models import ApprovalStatus
from warranties.portal.views.base import PortalBrandMixin, client_ip

TEMPLATE = "portal/approval.html"


class OwnerApprovalView(PortalBrandMixin, View):
    def page(self, state: str, approval: Any = None, status: int = 200, error: str = "") -> HttpResponse:
        context = {"portal_brand": self.brand, "state": state, "approval": approval, "error": error}
        response = TemplateResponse(self.request, TEMPLATE, context, status=status)
        # The owner reads the page in the language of the e-mail, unless they chose one on the site.
        language = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or (
            approval.customer.language if approval is not None else ""
        )
        if language in dict(settings.LANGUAGES):
            with translation.override(language):
                response.render()
            response["Content-Language"] = language
        return response

    def get(self, request: HttpRequest, brand_slug: str, pk: int, token: str) -> HttpResponse:
        approval = services.owner_approval_get(brand=self.brand, approval_id=pk, token=token)
        if approval is None:
            return self.page("invalid", status=404)
        if approval.status != ApprovalStatus.WAITING or approval.expires_at <= timezone.now():
            return self.page("closed", approval)
        return self.page("ask", approval)

    def post(self, request: HttpRequest, brand_slug: str, pk: int, token: str) -> HttpResponse:
        form = ApprovalDecisionForm(request.POST)
        approval = services.owner_approval_get(brand=self.brand, approval_id=pk, token=token)
        if approval is None:
            return self.page("invalid", status=404)
        if not form.is_valid():
            return self.page("ask", approval, status=400)
        try:
            decided = services.owner_approval_decide(
                brand=self.brand,
                approval_id=pk,
                token=token,
                is_confirmed=form.cleaned_data["decision"] == "confirm",
                ip=client_ip(request),
            )
        except ValidationError as error:
            return self.page("closed", approval, status=400, error=error.messages[0])
        return self.page(decided.status, decided)
