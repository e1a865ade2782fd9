"""Pages of campaign e-mail templates (list, editor with its live preview in English and French), and the
public tracking endpoints of the e-mails sent from them.

Brand staff read (analysts too: the editor is then read-only, the preview works); marketers, admins and
owners save. Retailer staff get 403, another brand's people 404 (BrandViewMixin)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from csp.constants import NONE, SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from campaigns.content import rendering, selectors, services, tracking
from campaigns.content.forms import EmailTemplateForm, problem_text
from campaigns.content.labels import FIELD_LABELS, SORT_LABELS
from campaigns.content.models import EmailTemplate, TrackingKind
from customers import selectors as customer_selectors
from jewelcrm.accounts.roles import BRAND_ROLES, MARKETING_ROLES
from jewelcrm.tenancy.context import brand_context
from jewelcrm.tenancy.views import BrandViewMixin

PAGE_SIZE = 25
SAMPLE_CUSTOMERS = 30
DRAFT_SECONDS = 15 * 60


def _url(name: str, brand: Any, **kwargs: Any) -> str:
    return reverse(f"campaign_content:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


class TemplateListView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "campaign_content/template_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = self.request.GET.get("q", "")[:100]
        sort = self.request.GET.get("sort", "name")
        if sort not in selectors.TEMPLATE_SORTS:
            sort = "name"
        templates = selectors.template_list(brand=self.brand, search=search, sort=sort)
        page = Paginator(templates, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            {
                "page_obj": page,
                "search": search,
                "sort": sort,
                "sort_labels": SORT_LABELS,
                "can_edit": self.membership.role in MARKETING_ROLES,
            }
        )
        return context


def _sample_customers(brand: Any) -> list[Any]:
    return list(
        customer_selectors.customer_list(brand=brand)
        .filter(is_pseudonymised=False, merged_into__isnull=True)
        .order_by("-created_at", "-id")
        .select_related(None)
        .only("id", "first_name", "last_name", "email")[:SAMPLE_CUSTOMERS]
    )


class TemplateEditView(BrandViewMixin, TemplateView):
    """Create (no pk) or edit a template. GET for every brand role; saving for the marketing roles."""

    allowed_roles = BRAND_ROLES
    template_name = "campaign_content/template_form.html"

    def _template(self) -> EmailTemplate | None:
        if "pk" not in self.kwargs:
            return None
        template = selectors.template_get(brand=self.brand, template_id=self.kwargs["pk"])
        if template is None:
            raise Http404
        return template

    def _can_edit(self) -> bool:
        return self.membership.role in MARKETING_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        template = self._template()
        if template is None and not self._can_edit():
            raise PermissionDenied
        form = EmailTemplateForm(instance=template, brand=self.brand, read_only=not self._can_edit())
        return self.render_to_response(self.get_context_data(form=form, template=template))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self._can_edit():
            raise PermissionDenied
        template = self._template()
        form = EmailTemplateForm(request.POST, instance=template, brand=self.brand)
        if form.is_valid():
            try:
                saved = services.template_save(
                    brand=self.brand, data=form.data_for_service(), template=template, actor=request.user
                )
            except services.TemplateNameTaken:
                form.add_error("name", _("Another template already has this name."))
            else:
                messages.success(request, _("Template saved."))
                return HttpResponseRedirect(_url("template_edit", self.brand, pk=saved.pk))
        return self.render_to_response(self.get_context_data(form=form, template=template), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        customers = _sample_customers(self.brand)
        context.update(
            {
                "can_edit": self._can_edit(),
                "sample_customers": customers,
                "preview_url": _url("template_preview", self.brand),
                "variables": _variables(),
            }
        )
        return context


def _variables() -> list[tuple[str, Any]]:
    from campaigns.content.language import VARIABLES

    return list(VARIABLES.items())


class TemplatePreviewView(BrandViewMixin, TemplateView):
    """The live preview (htmx, on every change of the editor): the problems with their lines, and the
    e-mail in English and French side by side for the chosen sample customer. The draft is kept in the
    cache for the preview documents (key: brand, user and a random token)."""

    allowed_roles = BRAND_ROLES
    http_method_names = ["post"]
    template_name = "campaign_content/_preview.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = EmailTemplateForm(request.POST, brand=self.brand)
        form.is_valid()
        sources = {name: request.POST.get(name, "") for name in services.TEMPLATE_FIELDS}
        problems = [
            (name, problem.line, FIELD_LABELS[name], problem_text(sources[name], problem))
            for name, found in form.problems.items()
            for problem in found
        ]
        customer_id = _int(request.POST.get("sample_customer"))
        token = secrets.token_urlsafe(12)
        draft: dict[str, Any] = dict(sources)
        draft["has_recommendations"] = bool(request.POST.get("has_recommendations"))
        previews = []
        if not any(form.problems.values()):
            cache.set(_draft_key(self.brand, request.user, token), draft, DRAFT_SECONDS)
            template = EmailTemplate(brand=self.brand, name="preview", **draft)
            for language in rendering.LANGUAGES:
                email = rendering.render_preview(
                    brand=self.brand, template=template, customer_id=customer_id or 0, language=language
                )
                previews.append(
                    {
                        "language": language,
                        "email": email,
                        "document_url": _url("template_preview_document", self.brand)
                        + f"?draft={token}&lang={language}&customer={customer_id or 0}",
                    }
                )
        context = self.get_context_data(problems=problems, previews=previews)
        return self.render_to_response(context)


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _draft_key(brand: Any, user: Any, token: str) -> str:
    return f"campaign_content:{brand.pk}:draft:{user.pk}:{token}"


def email_document(view_class: Any) -> Any:
    """A view answering an e-mail as its own document, framed by this site's pages only: the e-mail's
    inline styles and remote images need a CSP of their own; scripts stay forbidden."""
    policy = {
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "https:", "http:"],
        "script-src": [NONE],
        "frame-ancestors": [SELF],
    }
    view_class = method_decorator(csp_replace(policy), name="dispatch")(view_class)
    return method_decorator(xframe_options_sameorigin, name="dispatch")(view_class)


@email_document
class TemplatePreviewDocumentView(BrandViewMixin, TemplateView):
    """The e-mail of a draft as its own document, shown in the editor's frames (the e-mail's inline styles
    need a CSP of their own; scripts stay forbidden by it, and every value in the e-mail is escaped)."""

    allowed_roles = BRAND_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.GET.get("draft", "")[:40]
        draft = cache.get(_draft_key(self.brand, request.user, token)) if token else None
        if draft is None:
            raise Http404
        language = request.GET.get("lang", "")
        template = EmailTemplate(brand=self.brand, name="preview", **draft)
        email = rendering.render_preview(
            brand=self.brand,
            template=template,
            customer_id=_int(request.GET.get("customer")) or 0,
            language=language if language in rendering.LANGUAGES else "",
        )
        return HttpResponse(email.html)


# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
@require_GET
def click(request: HttpRequest, token: str, link: str) -> HttpResponse:
    """Record the click and go to the address inside the signature; anything else is a 404."""
    link = tracking.click_read(token, link)
    if link is None:
        raise Http404
    with brand_context(link.brand_id):
        services.tracking_record(
            brand_id=link.brand_id, message_key=link.message_key, kind=TrackingKind.CLICKED, url=link.url
        )
    return HttpResponseRedirect(link.url)


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    link = tracking.open_read(token)
    if link is None:
        raise Http404
    with brand_context(link.brand_id):
        services.tracking_record(
            brand_id=link.brand_id, message_key=link.message_key, kind=TrackingKind.OPENED
        )
    return HttpResponse(PIXEL, content_type="image/gif")
