from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from jewelcrm.accounts import selectors
from jewelcrm.accounts.forms import LoginForm
from jewelcrm.accounts.roles import BRAND_ROLES, RETAIL_ROLES
from jewelcrm.tenancy.views import BrandViewMixin


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def membership_home_url(membership: Any) -> str:
    name = "accounts:intranet" if membership.role in RETAIL_ROLES else "accounts:dashboard"
    return reverse(name, kwargs={"brand_slug": membership.brand.slug})


class HomeView(LoginRequiredMixin, TemplateView):
    """Where a signed-in person lands: their only brand's home, or a choice of brands."""

    template_name = "accounts/choose_brand.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        memberships = selectors.membership_list_for_user(user=request.user)
        if len(memberships) == 1:
            return redirect(membership_home_url(memberships[0]))
        if not memberships and request.user.is_staff:
            return redirect("admin:index")
        return self.render_to_response({"memberships": memberships})


class DashboardView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "accounts/dashboard.html"


class IntranetView(BrandViewMixin, TemplateView):
    allowed_roles = RETAIL_ROLES
    template_name = "accounts/intranet.html"
