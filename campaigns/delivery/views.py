"""Pages of campaign delivery: the one-click unsubscribe (public, no login), the owner's e-mail
preferences (owner portal) and the suppression list (dashboard)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView, View

from campaigns.delivery import selectors, services
from campaigns.delivery.forms import SuppressionAddForm
from campaigns.delivery.models import SuppressionReason
from campaigns.delivery.tokens import token_read
from jewelcrm.accounts.roles import ADMIN_ROLES
from jewelcrm.http import client_ip
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.views import BrandViewMixin

ONE_CLICK = "One-Click"


def _rendered(response: TemplateResponse) -> TemplateResponse:
    response.render()  # inside the brand's context and the recipient's language
    return response


# --- One-click unsubscribe (RFC 8058) ---------------------------------------------------------------


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058: a cookie-less POST from the mail client
@method_decorator(never_cache, name="dispatch")  # the address holds the person's token
class UnsubscribeView(View):
    """`/u/<token>`: GET shows the recipient a button in their language (mail scanners fetch links: a GET
    changes nothing); POST `List-Unsubscribe=One-Click` (the mail client's, or the button's) withdraws the
    consent and suppresses the address. A tampered token is a 400 page; the brand is the token's."""

    template_name = "campaign_delivery/unsubscribe.html"

    def _answer(self, request: HttpRequest, token: str, *, apply: bool) -> HttpResponse:
        from jewelcrm.accounts.selectors import brand_get

        unsubscribe = token_read(token)
        brand = brand_get(brand_id=unsubscribe.brand_id) if unsubscribe else None
        language = (unsubscribe.language if unsubscribe else "") or translation.get_language()
        with translation.override(language):
            if unsubscribe is None or brand is None:
                return _rendered(
                    TemplateResponse(request, self.template_name, {"state": "invalid"}, status=400)
                )
            with brand_context(brand):
                context: dict[str, Any] = {"portal_brand": brand, "brand": brand, "token": token}
                if not apply:
                    return _rendered(
                        TemplateResponse(request, self.template_name, {**context, "state": "ask"})
                    )
                if request.POST.get("List-Unsubscribe") != ONE_CLICK:
                    return _rendered(
                        TemplateResponse(request, self.template_name, {**context, "state": "ask"}, status=400)
                    )
                try:
                    services.unsubscribe_apply(brand=brand, unsubscribe=unsubscribe, ip=client_ip(request))
                except ValidationError:
                    return _rendered(
                        TemplateResponse(request, self.template_name, {"state": "invalid"}, status=400)
                    )
                return _rendered(TemplateResponse(request, self.template_name, {**context, "state": "done"}))

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self._answer(request, token, apply=False)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        return self._answer(request, token, apply=True)


# --- The owner's e-mail preferences (owner portal) --------------------------------------------------


def preference_rows(*, brand: Any, customer: Any) -> list[dict[str, Any]]:
    """Every (channel, purpose) with its labels and whether the owner consents now."""
    from customers.models import Channel
    from customers.selectors import consent_status_table
    from jewelcrm import labels

    current = {
        (row["channel"], row["purpose"]): row["entry"].is_granted
        for row in consent_status_table(brand=brand, customer=customer)
    }
    purposes = labels.labels("consent_purpose")
    return [
        {
            "purpose": purpose,
            "purpose_label": purpose_label,
            "choices": [
                {
                    "name": f"consent-{channel}-{purpose}",
                    "channel": channel,
                    "channel_label": channel_label,
                    "is_granted": current.get((channel, purpose), False),
                }
                for channel, channel_label in Channel.choices
            ],
        }
        for purpose, purpose_label in purposes.items()
    ]


class PreferencesView(View):
    """`/portal/<brand>/preferences/`: the signed-in owner's consents per channel and purpose. Uses the
    portal's session (warranties.portal.selectors.portal_customer); saving appends ledger entries."""

    template_name = "campaign_delivery/preferences.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        from jewelcrm.accounts.selectors import brand_get_by_slug
        from warranties.portal.selectors import portal_customer

        brand = brand_get_by_slug(slug=kwargs.get("brand_slug", ""))
        if brand is None:
            raise Http404
        with brand_context(brand):
            customer = portal_customer(request, brand=brand)
            if customer is None:
                return redirect("portal:sign_in", brand_slug=brand.slug)
            self.brand, self.customer = brand, customer
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, TemplateResponse):
                response.render()
            return response

    def _page(self, request: HttpRequest, *, saved: bool = False) -> TemplateResponse:
        rows = preference_rows(brand=self.brand, customer=self.customer)
        context = {
            "portal_brand": self.brand,
            "portal_customer": self.customer,
            "portal_nav": True,
            "rows": rows,
            "saved": saved,
        }
        return TemplateResponse(request, self.template_name, context)

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return self._page(request)

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        rows = preference_rows(brand=self.brand, customer=self.customer)
        wanted = {
            (choice["channel"], row["purpose"]): request.POST.get(choice["name"]) == "on"
            for row in rows
            for choice in row["choices"]
        }
        services.preferences_save(
            brand=self.brand, customer=self.customer, wanted=wanted, ip=client_ip(request)
        )
        messages.success(request, _("Your preferences are saved."))
        return redirect("campaign_delivery:preferences", brand_slug=self.brand.slug)


# --- The suppression list (dashboard) ---------------------------------------------------------------


class SuppressionListView(BrandViewMixin, TemplateView):
    """The brand's suppressed addresses: search, filter by reason, pages; add one by hand (owners and
    admins, audited)."""

    allowed_roles = ADMIN_ROLES
    template_name = "campaign_delivery/suppressions.html"
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reason = self.request.GET.get("reason", "")
        reason = reason if reason in SuppressionReason.values else ""
        search = self.request.GET.get("q", "").strip()[:100]
        rows = selectors.suppression_list(brand=self.brand, reason=reason, query=search)
        page = Paginator(rows, self.page_size).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            rows=page.object_list,
            reason=reason,
            reasons=SuppressionReason.choices,
            search=search,
            form=kwargs.get("form") or SuppressionAddForm(),
        )
        return context

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = SuppressionAddForm(request.POST)
        if form.is_valid():
            try:
                services.suppression_add_manual(
                    brand=self.brand,
                    email=form.cleaned_data["email"],
                    actor=request.user,
                    ip=client_ip(request),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("email", message)
            else:
                messages.success(request, _("The address is on the suppression list."))
                return redirect("campaign_delivery:suppressions", brand_slug=self.brand.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SuppressionRemoveView(BrandViewMixin, View):
    allowed_roles = ADMIN_ROLES

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        row = services.suppression_remove_manual(
            brand=self.brand, suppression_id=pk, actor=request.user, ip=client_ip(request)
        )
        if row is None:
            raise Http404
        messages.success(request, _("The address can receive marketing e-mails again."))
        return redirect(reverse("campaign_delivery:suppressions", kwargs={"brand_slug": self.brand.slug}))
