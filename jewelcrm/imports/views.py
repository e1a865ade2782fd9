"""Import pages (dashboard): upload -> column mapping -> preview and mode -> background run with a live
progress bar -> report. Thin views: forms validate, services write, selectors read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View

from jewelcrm.accounts.roles import MARKETING_ROLES
from jewelcrm.imports import selectors, services
from jewelcrm.imports.forms import MappingForm, RunForm, UploadForm, kinds_allowed, kinds_for_role
from jewelcrm.imports.framework import importer_class
from jewelcrm.imports.models import ImportJob, ImportStatus
from jewelcrm.tenancy.views import BrandViewMixin

PAGE_SIZE = 25


class ImportViewMixin(BrandViewMixin):
    allowed_roles = MARKETING_ROLES

    def render(
        self, request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
    ) -> TemplateResponse:
        context = {"brand": self.brand, "membership": self.membership, "nav_area": "dashboard", **context}
        return TemplateResponse(request, f"imports/{template}", context, status=status)

    def job(self, pk: int) -> ImportJob:
        job = selectors.import_job_get(brand=self.brand, job_id=pk)
        # An import of a kind the role may not import answers like a missing one.
        if job is None or job.kind not in kinds_allowed(self.membership.role):
            raise Http404
        return job

    def url(self, name: str, job: ImportJob | None = None) -> str:
        kwargs: dict[str, Any] = {"brand_slug": self.brand.slug}
        if job is not None:
            kwargs["pk"] = job.pk
        return reverse(f"imports:{name}", kwargs=kwargs)


class ImportListView(ImportViewMixin, View):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        query = request.GET.get("q", "").strip()[:100]
        kind = request.GET.get("kind", "")
        allowed = kinds_allowed(self.membership.role)
        kind = kind if kind in allowed else ""
        jobs = selectors.import_job_list(brand=self.brand, kind=kind, query=query, kinds=allowed)
        page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
        kinds = kinds_for_role(self.membership.role)
        return self.render(request, "list.html", {"page": page, "q": query, "kind": kind, "kinds": kinds})


class ImportUploadView(ImportViewMixin, View):
    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = UploadForm(role=self.membership.role, initial={"kind": request.GET.get("kind", "customers")})
        return self.render(
            request, "upload.html", {"form": form, "max_mb": services.MAX_UPLOAD_BYTES // 1024 // 1024}
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES, role=self.membership.role)
        if form.is_valid():
            try:
                job = services.import_job_create(
                    brand=self.brand,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(self.url("mapping", job))
        return self.render(
            request,
            "upload.html",
            {"form": form, "max_mb": services.MAX_UPLOAD_BYTES // 1024 // 1024},
            status=400,
        )


class ImportMappingView(ImportViewMixin, View):
    def _form(self, job: ImportJob, data: Any = None) -> MappingForm:
        return MappingForm(
            data, fields=importer_class(job.kind).fields, headers=job.headers, initial_mapping=job.mapping
        )

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        job = self.job(pk)
        if job.status != ImportStatus.DRAFT:
            return redirect(self.url("detail", job))
        return self.render(request, "mapping.html", {"job": job, "form": self._form(job)})

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        job = self.job(pk)
        if job.status != ImportStatus.DRAFT:
            return redirect(self.url("detail", job))
        form = self._form(job, request.POST)
        if form.is_valid():
            try:
                services.import_job_mapping_set(brand=self.brand, job=job, mapping=form.mapping())
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect(self.url("preview", job))
        return self.render(request, "mapping.html", {"job": job, "form": form}, status=400)


class ImportPreviewView(ImportViewMixin, View):
    def _context(self, job: ImportJob, form: RunForm) -> dict[str, Any]:
        return {"job": job, "form": form, "preview": selectors.import_job_preview(brand=self.brand, job=job)}

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        job = self.job(pk)
        if job.status != ImportStatus.DRAFT:
            return redirect(self.url("detail", job))
        return self.render(request, "preview.html", self._context(job, RunForm()))

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        job = self.job(pk)
        form = RunForm(request.POST)
        if job.status == ImportStatus.DRAFT and form.is_valid():
            try:
                services.import_job_start(
                    brand=self.brand, job=job, mode=form.cleaned_data["mode"], user=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
                return self.render(request, "preview.html", self._context(job, form), status=409)
            messages.success(request, _("The import has started."))
            return redirect(self.url("detail", job))
        if job.status != ImportStatus.DRAFT:
            return redirect(self.url("detail", job))
        return self.render(request, "preview.html", self._context(job, form), status=400)


class ImportDetailView(ImportViewMixin, View):
    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        job = self.job(pk)
        return self.render(request, "detail.html", _status_context(job))


class ImportStatusView(ImportViewMixin, View):
    """The progress partial polled by htmx every second until the job is finished."""

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        job = self.job(pk)
        return self.render(request, "_status.html", _status_context(job))


def _status_context(job: ImportJob) -> dict[str, Any]:
    return {
        "job": job,
        "live": services.job_progress(job=job),
        "problems": selectors.import_job_report_rows(job=job) if job.is_finished else [],
    }


class ImportRetryView(ImportViewMixin, View):
    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        try:
            services.import_job_retry(brand=self.brand, job=self.job(pk), user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The import has started again."))
        return redirect(self.url("detail", self.job(pk)))


class ImportCancelView(ImportViewMixin, View):
    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        try:
            services.import_job_cancel(brand=self.brand, job=self.job(pk), user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The import is being cancelled: nothing of it will be written."))
        return redirect(self.url("detail", self.job(pk)))


class ImportReportView(ImportViewMixin, View):
    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        job = self.job(pk)
        if not job.report:
            raise Http404
        with job.report.open("rb") as handle:
            content = (
                handle.read()
            )  # built inside the brand context (the report is small: one line per problem)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"import-{job.pk}-report.csv")
        return response
