"""Brand staff: the exclusive content of the portal (owner, admin, marketer); lost or stolen pieces
(owner, admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import View

from jewelcrm.accounts.roles import ADMIN_ROLES, MARKETING_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from warranties.portal import selectors, services
from warranties.portal.forms import PostForm, StoreLossForm
from warranties.portal.views.base import client_ip


class PostStaffView(BrandViewMixin, View):
    allowed_roles = MARKETING_ROLES

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"brand": self.brand, "membership": self.membership}
        return TemplateResponse(
            self.request, f"portal/dashboard/{template}", {**base, **context}, status=status
        )

    def post_or_404(self, pk: int) -> Any:
        post = selectors.post_get(brand=self.brand, post_id=pk)
        if post is None:
            raise Http404
        return post


class PostListView(PostStaffView):
    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        posts = selectors.post_list(brand=self.brand)
        search = request.GET.get("q", "").strip()
        if search:
            posts = posts.filter(title__icontains=search)
        page = Paginator(posts, 25).get_page(request.GET.get("page"))
        return self.render("post_list.html", {"page": page, "q": search})


class PostEditView(PostStaffView):
    def get(self, request: HttpRequest, brand_slug: str, pk: int | None = None) -> HttpResponse:
        post = self.post_or_404(pk) if pk else None
        return self.render("post_form.html", {"form": PostForm(instance=post), "post": post})

    def post(self, request: HttpRequest, brand_slug: str, pk: int | None = None) -> HttpResponse:
        post = self.post_or_404(pk) if pk else None
        form = PostForm(request.POST, instance=post)
        if not form.is_valid():
            return self.render("post_form.html", {"form": form, "post": post}, status=400)
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        saved = services.post_save(brand=self.brand, actor=request.user, post=post, **fields)
        messages.success(request, _("The post has been saved."))
        return redirect("portal:staff_post_edit", brand_slug=self.brand.slug, pk=saved.pk)


class PostPublishView(PostStaffView):
    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        post = self.post_or_404(pk)
        publish = request.POST.get("publish") == "1"
        services.post_publish(brand=self.brand, post=post, actor=request.user, is_published=publish)
        messages.success(request, _("The post is published.") if publish else _("The post is withdrawn."))
        return redirect("portal:staff_post_list", brand_slug=self.brand.slug)


class BrandLossView(BrandViewMixin, View):
    """The brand (owners and admins) reports any of its pieces lost or stolen, or marks it recovered."""

    allowed_roles = ADMIN_ROLES

    def render(self, form: Any, page: Any = None, status: int = 200) -> HttpResponse:
        flagged = selectors.flagged_item_list(brand=self.brand)
        search = self.request.GET.get("q", "").strip()
        if search:
            flagged = flagged.filter(serial__icontains=search)
        context = {
            "brand": self.brand,
            "membership": self.membership,
            "form": form,
            "flagged": Paginator(flagged, 25).get_page(page),
            "q": search,
        }
        return TemplateResponse(self.request, "portal/dashboard/loss.html", context, status=status)

    def get(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        return self.render(StoreLossForm(), request.GET.get("page"))

    def post(self, request: HttpRequest, brand_slug: str) -> HttpResponse:
        form = StoreLossForm(request.POST)
        item = None
        if form.is_valid():
            item = selectors.item_find_for_store(brand=self.brand, query=form.cleaned_data["query"])
            if item is None:
                form.add_error("query", _("No piece of this brand has this serial or code."))
        if item is not None:
            try:
                services.item_report_loss(
                    brand=self.brand,
                    item=item,
                    status=form.cleaned_data["status"],
                    by="brand",
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    ip=client_ip(request),
                )
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                messages.success(request, _("The piece is reported; its owner has been told."))
                return redirect("portal:staff_loss", brand_slug=self.brand.slug)
        return self.render(form, status=400)


class BrandRecoveredView(BrandViewMixin, View):
    allowed_roles = ADMIN_ROLES

    def post(self, request: HttpRequest, brand_slug: str, pk: int) -> HttpResponse:
        item = selectors.flagged_item_list(brand=self.brand).filter(pk=pk).first()
        if item is None:
            raise Http404
        try:
            services.item_mark_recovered(
                brand=self.brand, item=item, by="brand", actor=request.user, ip=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The piece is no longer reported lost or stolen."))
        return redirect("portal:staff_loss", brand_slug=self.brand.slug)
