"""The Segments area of the brand dashboard: results of the last run, runs, RFM rules, the segment
builder with its live count, saved segments, and the scores export. Brand staff read; marketers, admins
and owners build; admins and owners start a run."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, MARKETING_ROLES
from jewelcrm.tenancy.views import BrandViewMixin
from segmentation import builder, labels, presenters, selectors, services
from segmentation.forms import RulesForm, SegmentForm
from segmentation.models import RunStatus


def _url(name: str, brand: Any, **kwargs: Any) -> str:
    return reverse(f"segmentation:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


class OverviewView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "segmentation/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = selectors.published_run(brand=self.brand)
        context.update(presenters.run_results(run, currency=self.brand.default_currency))
        context["run"] = run
        context["active_run"] = selectors.active_run(brand=self.brand)
        context["recent_runs"] = list(selectors.run_list(brand=self.brand)[:5])
        context["segments"] = list(selectors.segment_list(brand=self.brand))
        context["can_run"] = self.membership.role in ADMIN_ROLES
        context["can_build"] = self.membership.role in MARKETING_ROLES
        return context


class RunStartView(BrandViewMixin, TemplateView):
    allowed_roles = ADMIN_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from segmentation.tasks import run_pipeline_task

        try:
            run = services.run_request(brand=self.brand, actor=request.user)
        except services.RunAlreadyActive as already:
            messages.info(request, _("A run is already waiting or running: here it is."))
            run = already.run
        else:
            run_pipeline_task.delay_on_commit(self.brand.pk, run.pk)
            messages.success(request, _("The run has started."))
        return HttpResponseRedirect(_url("run_detail", self.brand, pk=run.pk))


class RunDetailView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "segmentation/run_detail.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["segmentation/_run_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = selectors.run_get(brand=self.brand, run_id=self.kwargs["pk"])
        if run is None:
            raise Http404
        context["run"] = run
        context["is_active"] = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
        context["stage_label"] = labels.STAGE_LABELS.get(run.stage, "")
        context["timings"] = [(labels.STAGE_LABELS.get(k, k), v) for k, v in (run.timings or {}).items()]
        context["notes"] = [labels.note_text(code, params) for code, params in run.notes or []]
        context["error_text"] = labels.RUN_ERRORS.get(run.error, "") if run.error else ""
        context.update(presenters.run_results(run, currency=self.brand.default_currency))
        return context


class RulesView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "segmentation/rules.html"

    def _context(self, form: RulesForm | None = None, problems: list[str] | None = None) -> dict[str, Any]:
        from segmentation import rfm

        stored = selectors.rules_get(brand=self.brand)
        segments = stored.segments if stored else rfm.DEFAULT_SEGMENTS
        if form is None:
            initial = {}
            if stored:
                initial = {
                    "recency_cutoffs": ", ".join(str(v) for v in stored.recency_cutoffs),
                    "frequency_cutoffs": ", ".join(str(v) for v in stored.frequency_cutoffs),
                    "monetary_cutoffs": ", ".join(f"{v:g}" for v in stored.monetary_cutoffs),
                }
            form = RulesForm(initial=initial, segments=segments)
        context = self.get_context_data()
        context.update(
            {
                "rules": stored,
                "form": form,
                "segment_rows": presenters.segment_rule_rows(form, segments),
                "problems": [labels.RULES_PROBLEMS.get(p, p) for p in problems or []],
                "can_edit": self.membership.role in MARKETING_ROLES,
            }
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self._context())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from segmentation import rfm

        if self.membership.role not in MARKETING_ROLES:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if request.POST.get("action") == "reset":
            services.rules_reset(brand=self.brand, actor=request.user)
            messages.success(
                request, _("The rules will be learnt again from your purchases at the next run.")
            )
            return HttpResponseRedirect(_url("rules", self.brand))
        stored = selectors.rules_get(brand=self.brand)
        segments = stored.segments if stored else rfm.DEFAULT_SEGMENTS
        form = RulesForm(request.POST, segments=segments)
        if form.is_valid():
            try:
                services.rules_update(brand=self.brand, rules=form.rules(), actor=request.user)
            except services.RulesInvalid as invalid:
                return self.render_to_response(self._context(form, invalid.problems), status=400)
            except Exception as error:  # a ValidationError of the number parsing
                form.add_error(None, getattr(error, "messages", [str(error)])[0])
                return self.render_to_response(self._context(form), status=400)
            messages.success(request, _("Rules saved: they apply from the next run."))
            return HttpResponseRedirect(_url("rules", self.brand))
        return self.render_to_response(self._context(form), status=400)


class SegmentBuilderView(BrandViewMixin, TemplateView):
    allowed_roles = MARKETING_ROLES
    template_name = "segmentation/builder.html"

    def _segment(self) -> Any:
        if "pk" not in self.kwargs:
            return None
        segment = selectors.segment_get(brand=self.brand, segment_id=self.kwargs["pk"])
        if segment is None:
            raise Http404
        return segment

    def _context(self, form: SegmentForm, segment: Any, count: int | None) -> dict[str, Any]:
        context = self.get_context_data()
        context.update({"form": form, "segment": segment, "count": count})
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        segment = self._segment()
        initial = {}
        if segment is not None:
            initial = {"name": segment.name, "description": segment.description}
            initial.update(SegmentForm.initial_from_rules(segment.rules))
        form = SegmentForm(initial=initial, brand=self.brand)
        count = segment.member_count if segment else None
        return self.render_to_response(self._context(form, segment, count))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        segment = self._segment()
        form = SegmentForm(request.POST, brand=self.brand)
        if form.is_valid():
            if not form.cleaned_data["name"].strip():
                form.add_error("name", _("Give the segment a name."))
            else:
                try:
                    rules = form.rules()
                    saved = services.segment_save(
                        brand=self.brand,
                        name=form.cleaned_data["name"],
                        description=form.cleaned_data["description"],
                        rules=rules,
                        actor=request.user,
                        segment=segment,
                    )
                except builder.RuleInvalid:
                    pass
                except services.SegmentNameTaken:
                    form.add_error("name", _("A segment already has this name."))
                else:
                    messages.success(request, _("Segment saved."))
                    return HttpResponseRedirect(_url("segment_detail", self.brand, pk=saved.pk))
        return self.render_to_response(self._context(form, segment, None), status=400)


class SegmentCountView(BrandViewMixin, TemplateView):
    """The live count of the builder (htmx): how many customers the rules being edited select."""

    allowed_roles = MARKETING_ROLES
    template_name = "segmentation/_count.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = SegmentForm(self.request.GET, brand=self.brand)
        count = None
        error = ""
        if form.is_valid():
            try:
                rules = form.rules()
                count = builder.count(
                    brand=self.brand, rules=rules, run=selectors.published_run(brand=self.brand)
                )
            except builder.RuleInvalid as invalid:
                error = labels.RULE_ERRORS[invalid.code]
        else:
            error = _("Check the values entered.")
        context.update({"count": count, "error": error})
        return context


class KnownCountPaginator(Paginator):
    """Pages of a saved segment's members: their number is stored on the segment by every refresh (in
    the same transaction as the members), so the page does not count half a million rows again."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


class SegmentDetailView(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES
    template_name = "segmentation/segment_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        segment = selectors.segment_get(brand=self.brand, segment_id=self.kwargs["pk"])
        if segment is None:
            raise Http404
        member_ids = selectors.segment_member_ids(brand=self.brand, segment=segment)
        page = KnownCountPaginator(member_ids, 25, count=segment.member_count).get_page(
            self.request.GET.get("page")
        )
        customers = selectors.customers_by_id(brand=self.brand, customer_ids=list(page.object_list))
        context.update(
            {
                "segment": segment,
                "page_obj": page,
                "members": presenters.member_rows(brand=self.brand, customers=customers),
                "rule_texts": presenters.rule_texts(segment.rules, brand=self.brand),
                "can_build": self.membership.role in MARKETING_ROLES,
                "querystring": "",
            }
        )
        return context


class SegmentRefreshView(BrandViewMixin, TemplateView):
    allowed_roles = MARKETING_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        segment = selectors.segment_get(brand=self.brand, segment_id=kwargs["pk"])
        if segment is None:
            raise Http404
        services.segment_refresh(
            brand=self.brand, segment=segment, run=selectors.published_run(brand=self.brand)
        )
        messages.success(request, _("Members refreshed."))
        return HttpResponseRedirect(_url("segment_detail", self.brand, pk=segment.pk))


class ScoresExportView(BrandViewMixin, TemplateView):
    """The published run's scores as CSV (the same columns as `manage.py scores_export`). Audited."""

    allowed_roles = MARKETING_ROLES | ADMIN_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from jewelcrm.accounts.services import audit_log_record

        run = selectors.published_run(brand=self.brand)
        if run is None:
            return HttpResponse(
                _("No scores yet: run the pipeline first."), status=404, content_type="text/plain"
            )
        buffer = io.StringIO()
        count = presenters.write_scores_csv(buffer, brand=self.brand, run=run)
        audit_log_record(
            brand=self.brand, action="segmentation.scores_export", actor=request.user, data={"rows": count}
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="scores-{self.brand.slug}-{stamp}.csv"'
        return response
