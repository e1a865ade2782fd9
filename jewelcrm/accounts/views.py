from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from jewelcrm import ratelimit
from jewelcrm.accounts import selectors, services
from jewelcrm.accounts.forms import APIKeyForm, InvitationForm, LoginForm, SendLogPasswordResetForm
from jewelcrm.accounts.home import tiles_for
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, RETAIL_ROLES, Role
from jewelcrm.http import client_ip
from jewelcrm.tenancy.views import BrandViewMixin

TEAM_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.RETAIL_MANAGER})
TEAM_PAGE_SIZE = 50
PASSWORD_RESET_RATE = "10/h"  # noqa: S105 - reset e-mails requested per IP, not a password


# --- Sign-in, password reset, invitation -----------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail, throttled per IP so the form cannot be used to flood mailboxes."""

    form_class = SendLogPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/emails/password_reset_email.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    rate = PASSWORD_RESET_RATE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not ratelimit.hit(f"accounts:rl:password-reset:-:{client_ip(request)}", rate=self.rate):
            return render(request, "429.html", status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link of the invitation e-mail: the new member chooses a password, then signs in."""

    template_name = "accounts/invitation_accept.html"
    success_url = reverse_lazy("accounts:login")
    reset_url_token = "set-password"  # noqa: S105 - a URL segment, not a secret

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Sign in with your e-mail and new password."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in person changes their password; their other sessions end, this one stays."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


# --- Landing pages -------------------------------------------------------------------------------


def membership_home_url(membership: Any) -> str:
    name = "accounts:intranet" if membership.role in RETAIL_ROLES else "accounts:dashboard"
    return reverse(name, kwargs={"brand_slug": membership.brand.slug})


class HomeView(LoginRequiredMixin, TemplateView):
    """Where a signed-in person lands: their only brand's home, or a choice of brands."""

    template_name = "accounts/choose_brand.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        memberships = selectors.membership_list_for_user(user=request.user)
        if not memberships and selectors.invitation_list_for_user(user=request.user):
            return redirect("accounts:invitations")
        if len(memberships) == 1:
            return redirect(membership_home_url(memberships[0]))
        if not memberships and request.user.is_staff:
            return redirect("admin:index")
        return self.render_to_response({"memberships": memberships})


class InvitationsView(LoginRequiredMixin, TemplateView):
    """The invitations waiting for the signed-in person's answer, in every brand: accept or decline."""

    template_name = "accounts/invitations.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitations"] = selectors.invitation_list_for_user(user=self.request.user)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            membership_id = int(request.POST.get("membership", ""))
        except ValueError:
            membership_id = 0
        is_accepted = request.POST.get("answer") == "accept"
        try:
            membership = services.invitation_answer(
                user=request.user, membership_id=membership_id, is_accepted=is_accepted, ip=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("accounts:invitations")
        if is_accepted:
            messages.success(
                request, _("You now have access to %(brand)s.") % {"brand": membership.brand.name}
            )
            return redirect(membership_home_url(membership))
        messages.info(request, _("Invitation declined."))
        return redirect("accounts:invitations")


class DashboardView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "accounts/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tiles"] = tiles_for(area="dashboard", brand=self.brand, membership=self.membership)
        return context


class IntranetView(BrandViewMixin, TemplateView):
    allowed_roles = RETAIL_ROLES
    template_name = "accounts/intranet.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tiles"] = tiles_for(area="intranet", brand=self.brand, membership=self.membership)
        return context


# --- Team ----------------------------------------------------------------------------------------


class TeamMixin(BrandViewMixin):
    """Owners and admins manage the whole brand; a retailer manager manages their own store only."""

    allowed_roles = TEAM_ROLES

    @property
    def store_scope(self) -> int | None:
        return self.membership.store_id if self.membership.role == Role.RETAIL_MANAGER else None


class TeamListView(TeamMixin, TemplateView):
    template_name = "accounts/team_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = self.request.GET.get("q", "").strip()
        memberships = selectors.membership_list(brand=self.brand, store_id=self.store_scope, search=search)
        page = Paginator(memberships, TEAM_PAGE_SIZE).get_page(self.request.GET.get("page"))
        for member in page.object_list:
            member.may_deactivate = (
                member.is_active or member.is_pending
            ) and services.membership_may_deactivate(actor=self.membership, membership=member)
        context.update(page=page, search=search, members=page.object_list)
        return context


class TeamInviteView(TeamMixin, FormView):
    template_name = "accounts/team_invite.html"
    form_class = InvitationForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "brand": self.brand, "actor": self.membership}

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            membership = services.membership_invite(
                brand=self.brand,
                actor=self.membership,
                email=data["email"],
                role=data.get("role", Role.SALES_ASSOCIATE),
                store=data.get("store"),
                full_name=data.get("full_name", ""),
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        if membership.is_pending:
            message = _("%(email)s has an account already: they get access as %(role)s once they accept.")
        else:
            message = _("%(email)s now has access as %(role)s.")
        messages.success(
            self.request, message % {"email": membership.user.email, "role": membership.get_role_display()}
        )
        return redirect("accounts:team", brand_slug=self.brand.slug)


class TeamDeactivateView(TeamMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        membership = selectors.membership_get_by_id(
            brand=self.brand, membership_id=pk, store_id=self.store_scope
        )
        if membership is None:
            raise Http404
        services.membership_deactivate(
            brand=self.brand, actor=self.membership, membership=membership, ip=client_ip(request)
        )
        messages.success(request, _("%(email)s no longer has access.") % {"email": membership.user.email})
        return redirect("accounts:team", brand_slug=self.brand.slug)


# --- Audit log -------------------------------------------------------------------------------------


class AuditLogView(BrandViewMixin, TemplateView):
    """Who changed what in the brand: the append-only audit trail, newest first."""

    allowed_roles = ADMIN_ROLES
    template_name = "accounts/audit_log.html"
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        action = self.request.GET.get("action", "").strip()
        search = self.request.GET.get("q", "").strip()
        entries = selectors.audit_log_list(brand=self.brand, action=action, search=search)
        page = Paginator(entries, self.page_size).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            entries=page.object_list,
            action=action,
            search=search,
            actions=selectors.audit_log_actions(brand=self.brand),
        )
        return context


class SentEmailListView(BrandViewMixin, TemplateView):
    """The brand's send log: every e-mail the platform sent or could not send, newest first.

    E-mails not delivered (a permanent refusal, or retries exhausted) are parked here with their reason
    and a button to send them again."""

    allowed_roles = ADMIN_ROLES
    template_name = "accounts/sent_emails.html"
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from jewelcrm.messaging import selectors as messaging
        from jewelcrm.messaging.models import MessageStatus
        from jewelcrm.messaging.registry import kind_choices

        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        status = status if status in MessageStatus.values else ""
        kinds = dict(kind_choices())
        kind = self.request.GET.get("kind", "")
        kind = kind if kind in kinds else ""
        sort = self.request.GET.get("sort", "created")
        sort = sort if sort in messaging.SORTS else "created"
        search = self.request.GET.get("q", "").strip()[:100]
        rows = messaging.message_list(brand=self.brand, status=status, kind=kind, query=search, sort=sort)
        page = Paginator(rows, self.page_size).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            entries=[(m, kinds.get(m.kind, m.kind)) for m in page.object_list],
            status=status,
            kind=kind,
            sort=sort,
            search=search,
            statuses=MessageStatus.choices,
            kinds=sorted(kinds.items(), key=lambda pair: str(pair[1])),
            counts=messaging.message_counts(brand=self.brand),
        )
        return context


class SentEmailRetryView(BrandViewMixin, View):
    allowed_roles = ADMIN_ROLES

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        try:
            services.sent_email_retry(
                brand=self.brand, message_id=pk, actor=request.user, ip=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The e-mail will be sent again."))
        return redirect(
            reverse("accounts:sent_emails", kwargs={"brand_slug": self.brand.slug}) + "?status=failed"
        )


# --- API keys ------------------------------------------------------------------------------------


class APIKeyListView(BrandViewMixin, FormView):
    """List the brand's keys and create one. A new key is shown once, in the answer to its creation."""

    allowed_roles = ADMIN_ROLES
    template_name = "accounts/api_keys.html"
    form_class = APIKeyForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["keys"] = selectors.api_key_list(brand=self.brand)
        return context

    def form_valid(self, form: APIKeyForm) -> HttpResponse:
        key, raw = services.api_key_create(
            brand=self.brand,
            name=form.cleaned_data["name"],
            created_by=self.request.user,
            ip=client_ip(self.request),
        )
        response = self.render_to_response(self.get_context_data(form=APIKeyForm(), new_key=key, raw_key=raw))
        response["Cache-Control"] = "no-store"
        return response


class APIKeyRevokeView(BrandViewMixin, View):
    allowed_roles = ADMIN_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        key = selectors.api_key_get(brand=self.brand, key_id=pk)
        if key is None:
            raise Http404
        services.api_key_revoke(brand=self.brand, key=key, actor=request.user, ip=client_ip(request))
        messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
        return redirect("accounts:api_keys", brand_slug=self.brand.slug)
