"""Brand staff (owner, admin, marketer) write the exclusive content of the portal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import View

from jewelcrm.accounts.roles import MARKETING_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from warranties.portal import selectors, services
from warranties.portal.forms import PostForm


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
