"""Pages of billing: the brand's plan page (owner; admins read-only), Checkout and Customer Portal
redirects, the return from Checkout, the Stripe webhook, and the platform's overview."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from jewelcrm.accounts.roles import ADMIN_ROLES, Role
from jewelcrm.billing import platform, selectors, services
from jewelcrm.billing.forms import ChangePlanForm
from jewelcrm.tenancy.views import BrandViewMixin

logger = logging.getLogger(__name__)


class PlanView(BrandViewMixin, View):
    """The plan, its limits, this period's usage with bars, invoices, and the owner's actions."""

    allowed_roles = ADMIN_ROLES

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        state = selectors.billing_state_get(brand=self.brand)
        is_owner = self.membership.role == Role.OWNER
        invoices = Paginator(selectors.invoice_list(brand=self.brand), 12).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "billing/plan.html",
            {
                "brand": self.brand,
                "membership": self.membership,
                "state": state,
                "usage": selectors.usage_lines(state=state),
                "page_obj": invoices,
                "plans": list(selectors.plan_list()),
                "is_owner": is_owner,
                "form": ChangePlanForm(plans=selectors.plan_list()) if is_owner else None,
            },
        )


class CheckoutView(BrandViewMixin, View):
    """POST a plan and an interval: off to Stripe Checkout (owner only)."""

    allowed_roles = frozenset({Role.OWNER})

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = ChangePlanForm(request.POST, plans=selectors.plan_list())
        plan_url = reverse("billing:plan", kwargs={"brand_slug": self.brand.slug})
        if not form.is_valid():
            messages.error(request, _("Choose a plan and how often to pay."))
            return redirect(plan_url)
        back = request.build_absolute_uri(reverse("billing:returned", kwargs={"brand_slug": self.brand.slug}))
        try:
            url = services.checkout_session_create(
                brand=self.brand,
                membership=self.membership,
                plan=form.cleaned_data["plan"],
                interval=form.cleaned_data["interval"],
                success_url=back + "?checkout=success&session_id={CHECKOUT_SESSION_ID}",
                cancel_url=back + "?checkout=cancelled",
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(plan_url)
        return HttpResponseRedirect(url, status=303)


class PortalView(BrandViewMixin, View):
    """POST: off to the Stripe Customer Portal (card, invoices, cancellation; owner only)."""

    allowed_roles = frozenset({Role.OWNER})

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        plan_url = reverse("billing:plan", kwargs={"brand_slug": self.brand.slug})
        try:
            url = services.portal_session_create(
                brand=self.brand, membership=self.membership, return_url=request.build_absolute_uri(plan_url)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(plan_url)
        return HttpResponseRedirect(url, status=303)


class ReturnView(BrandViewMixin, View):
    """Where Checkout sends the owner back. It grants nothing: the subscription changes only when
    Stripe's signed webhook says so; the page just says what happens next."""

    allowed_roles = ADMIN_ROLES

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        if request.GET.get("checkout") == "success":
            messages.info(
                request,
                _(
                    "Thank you. Your plan changes here as soon as Stripe confirms the payment, "
                    "usually within a minute."
                ),
            )
        else:
            messages.info(request, _("Nothing was changed: you left the payment page."))
        return redirect("billing:plan", brand_slug=self.brand.slug)


@method_decorator(csrf_exempt, name="dispatch")
class StripeWebhookView(View):
    """Stripe's events. CSRF-exempt (Stripe cannot hold a token): the signature is the authentication.
    400 and nothing written for anything not signed by Stripe within the tolerance; 500 when applying
    fails (everything rolled back, Stripe delivers again)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            event = services.webhook_verify(
                payload=request.body, signature=request.headers.get("Stripe-Signature")
            )
        except services.WebhookRejected as error:
            logger.warning("Stripe webhook rejected: %s", error)
            return HttpResponse("rejected", status=400, content_type="text/plain")
        try:
            result = services.webhook_event_process(event=event)
        except Exception:
            logger.exception("Stripe event %s could not be applied", event.get("id"))
            return HttpResponse("error", status=500, content_type="text/plain")
        return HttpResponse(result, status=200, content_type="text/plain")


class PlatformBillingView(LoginRequiredMixin, UserPassesTestMixin, View):
    """Platform staff: every brand's plan and status, MRR and its movement, trials ending, failed payments."""

    def test_func(self) -> bool:
        return bool(self.request.user.is_staff)

    def handle_no_permission(self) -> HttpResponse:
        if self.request.user.is_authenticated:
            raise PermissionDenied
        return super().handle_no_permission()

    def get(self, request: HttpRequest) -> HttpResponse:
        overview = platform.overview_get(actor=request.user)
        return TemplateResponse(request, "billing/platform.html", {"overview": overview})
