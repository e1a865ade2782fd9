"""Ad audience pages of the dashboard (marketers, admins, owners): exports of saved segments, the hashed
file download (members, additions, removals) and the upload to a Meta custom audience."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from campaigns.audiences import selectors, services
from campaigns.audiences.forms import AudienceExportForm
from campaigns.audiences.hashing import COLUMNS
from campaigns.audiences.models import Destination, ExportStatus
from jewelcrm.accounts.roles import MARKETING_ROLES
from jewelcrm.accounts.services import audit_log_record
from jewelcrm.csv_safe import csv_safe_writer
from jewelcrm.tenancy.views import BrandViewMixin
from segmentation import selectors as segment_selectors

PAGE_SIZE = 25


def _detail_url(brand: Any, export: Any) -> str:
    return reverse("campaign_audiences:detail", kwargs={"brand_slug": brand.slug, "pk": export.pk})


class AudienceListView(BrandViewMixin, TemplateView):
    """The brand's exports, newest first, and the form of a new one."""

    allowed_roles = MARKETING_ROLES
    template_name = "campaign_audiences/list.html"

    def _form(self, data: Any = None) -> AudienceExportForm:
        return AudienceExportForm(data, segments=list(segment_selectors.segment_list(brand=self.brand)))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.audience_export_list(brand=self.brand), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(page=page, exports=list(page.object_list), form=kwargs.get("form") or self._form())
        context["meta_enabled"] = services.meta_is_configured()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            segment = segment_selectors.segment_get(brand=self.brand, segment_id=form.cleaned_data["segment"])
            if segment is None:
                raise Http404
            try:
                export = services.audience_export_create(
                    brand=self.brand,
                    segment=segment,
                    destination=form.cleaned_data["destination"],
                    platform_audience_id=form.cleaned_data["platform_audience_id"],
                    actor=request.user,
                )
            except services.AudienceExportRefused:
                form.add_error("platform_audience_id", _("Give the Meta custom audience id (digits)."))
            else:
                messages.success(request, _("Export ready."))
                return HttpResponseRedirect(_detail_url(self.brand, export))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AudienceDetailView(BrandViewMixin, TemplateView):
    allowed_roles = MARKETING_ROLES
    template_name = "campaign_audiences/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        export = selectors.audience_export_get(brand=self.brand, export_id=self.kwargs["pk"])
        if export is None:
            raise Http404
        context["export"] = export
        context["batches"] = list(selectors.audience_batch_list(brand=self.brand, export=export))
        context["parts"] = [
            ("members", _("Every member"), export.member_count),
            ("add", _("Additions only"), export.added_count),
            ("remove", _("Removals"), export.removed_count),
        ]
        context["can_upload"] = (
            export.destination == Destination.META
            and export.status in (ExportStatus.READY, ExportStatus.FAILED)
            and services.meta_is_configured()
        )
        context["meta_enabled"] = services.meta_is_configured()
        return context


class AudienceDownloadView(BrandViewMixin, TemplateView):
    """One part of an export as CSV: EMAIL, PHONE, FN, LN, COUNTRY, ZIP, each a SHA-256. Audited."""

    allowed_roles = MARKETING_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        export = selectors.audience_export_get(brand=self.brand, export_id=kwargs["pk"])
        part = request.GET.get("part", "members")
        if export is None or part not in selectors.FILE_PARTS:
            raise Http404
        # Written to a spooled file (memory up to 8 MB, then disk) inside the brand's scope; the
        # response reads the finished file.
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
        writer = csv_safe_writer(text)
        writer.writerow(COLUMNS)
        count = 0
        for row in selectors.audience_file_rows(brand=self.brand, export=export, part=part):
            writer.writerow(row)
            count += 1
        text.flush()
        text.detach()
        spool.seek(0)
        audit_log_record(
            brand=self.brand,
            action="audiences.download",
            actor=request.user,
            obj=export,
            data={"part": part, "rows": count},
        )
        name = f"audience-{self.brand.slug}-{export.pk}-{part}.csv"
        return FileResponse(spool, as_attachment=True, filename=name, content_type="text/csv; charset=utf-8")


class AudienceUploadView(BrandViewMixin, TemplateView):
    """Start (or start again) the upload of a Meta export: batches claimed now, sent by the task."""

    allowed_roles = MARKETING_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        export = selectors.audience_export_get(brand=self.brand, export_id=kwargs["pk"])
        if export is None:
            raise Http404
        if export.destination != Destination.META or not services.meta_is_configured():
            messages.error(request, _("This export is a file: download it instead."))
            return HttpResponseRedirect(_detail_url(self.brand, export))
        if export.status == ExportStatus.UPLOADED:
            messages.info(request, _("Already uploaded."))
            return HttpResponseRedirect(_detail_url(self.brand, export))
        services.audience_upload_start(brand=self.brand, export=export, actor=request.user)
        services.audience_upload_enqueue(brand=self.brand, export=export)
        messages.success(request, _("Upload started: the batches below fill in as Meta accepts them."))
        return HttpResponseRedirect(_detail_url(self.brand, export))
