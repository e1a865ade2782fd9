"""Passwordless sign-in to the owner portal, and the claim of a transferred piece.

The link e-mailed to the owner opens a page with a button (GET never consumes the link, so mail
scanners that fetch it do no harm); the POST consumes it once, signs in and redirects to a clean URL.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import View

from warranties.portal import ratelimit, services, session
from warranties.portal.forms import ClaimForm, EmailForm
from warranties.portal.models import LinkPurpose
from warranties.portal.views.base import PortalBrandMixin, client_ip


def _too_many(request: HttpRequest, brand: object, template: str, form: object) -> HttpResponse:
    context = {"portal_brand": brand, "form": form, "rate_limited": True}
    return TemplateResponse(request, template, context, status=429)


class SignInView(PortalBrandMixin, View):
    template_name = "portal/sign_in.html"

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        if session.customer_for(request, brand=self.brand) is not None:
            return redirect("portal:pieces", brand_slug=self.brand.slug)
        return TemplateResponse(
            request, self.template_name, {"portal_brand": self.brand, "form": EmailForm()}
        )

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = EmailForm(request.POST)
        if not form.is_valid():
            return TemplateResponse(
                request, self.template_name, {"portal_brand": self.brand, "form": form}, status=400
            )
        email = form.cleaned_data["email"].strip().lower()
        ip = client_ip(request)
        allowed_ip = ratelimit.hit(f"signin-ip:{self.brand.pk}:{ip}", rate=ratelimit.sign_in_ip_rate())
        # The address is hashed: a rate-limit key in Redis never holds a person's e-mail (WEB-08).
        email_key = hashlib.sha256(email.encode()).hexdigest()[:32]
        allowed_email = ratelimit.hit(
            f"signin-email:{self.brand.pk}:{email_key}", rate=ratelimit.sign_in_email_rate()
        )
        if not (allowed_ip and allowed_email):
            return _too_many(request, self.brand, self.template_name, form)
        services.login_link_request(brand=self.brand, email=email, ip=ip)
        return redirect("portal:link_sent", brand_slug=self.brand.slug)


class LinkSentView(PortalBrandMixin, View):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return TemplateResponse(request, "portal/link_sent.html", {"portal_brand": self.brand})


class LinkView(PortalBrandMixin, View):
    """GET: a button. POST: consume the link, then sign in (and accept a transfer for a claim link)."""

    template_name = "portal/link.html"

    def get(self, request: HttpRequest, brand_slug: str, token: str) -> HttpResponse:
        link = services.login_link_peek(brand=self.brand, token=token)
        context = {"portal_brand": self.brand, "link": link, "invalid": link is None}
        return TemplateResponse(request, self.template_name, context, status=200 if link else 400)

    def post(self, request: HttpRequest, brand_slug: str, token: str) -> HttpResponse:
        try:
            # One savepoint: a refused claim leaves the link unused and nothing changed.
            with transaction.atomic():
                link = services.login_link_consume(brand=self.brand, token=token)
                if link.purpose == LinkPurpose.CLAIM:
                    customer = services.transfer_accept(
                        brand=self.brand, transfer=link.transfer, email=link.email, ip=client_ip(request)
                    )
                else:
                    customer = link.customer
        except ValidationError as error:
            return TemplateResponse(
                request,
                self.template_name,
                {"portal_brand": self.brand, "invalid": True, "error": error.messages[0]},
                status=400,
            )
        session.sign_in(request, brand=self.brand, customer=customer)
        if link.purpose == LinkPurpose.CLAIM:
            messages.success(request, _("The piece is now registered to you. Welcome!"))
        return redirect("portal:pieces", brand_slug=self.brand.slug)


class SignOutView(PortalBrandMixin, View):
    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        session.sign_out(request, brand=self.brand)
        return redirect("portal:sign_in", brand_slug=self.brand.slug)


class ClaimView(PortalBrandMixin, View):
    """The new owner types the code (or follows the link carrying it) and their e-mail."""

    template_name = "portal/claim.html"

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ClaimForm(initial={"code": request.GET.get("code", "")})
        return TemplateResponse(request, self.template_name, {"portal_brand": self.brand, "form": form})

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ClaimForm(request.POST)
        context = {"portal_brand": self.brand, "form": form}
        if not form.is_valid():
            return TemplateResponse(request, self.template_name, context, status=400)
        ip = client_ip(request)
        if not ratelimit.hit(f"claim-ip:{self.brand.pk}:{ip}", rate=ratelimit.form_ip_rate()):
            return _too_many(request, self.brand, self.template_name, form)
        try:
            services.transfer_claim_request(
                brand=self.brand, code=form.cleaned_data["code"], email=form.cleaned_data["email"], ip=ip
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
            return TemplateResponse(request, self.template_name, context, status=400)
        return redirect("portal:link_sent", brand_slug=self.brand.slug)
