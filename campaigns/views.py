"""The Campaigns area of the brand dashboard: journeys (switch, timing, audience, template, channel),
one-off campaigns (create, preview per recipient, test send, approval, schedule, cancel), the send log
and the measurement of each, and the brand's campaign settings.

Marketers, admins and owners work here; analysts read; retailer staff get 403; another brand's ids 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from campaigns import measurement, selectors, services
from campaigns.content.views import email_document
from campaigns.forms import CampaignForm, JourneyForm, PreviewForm, ScheduleForm, SettingsForm
from campaigns.models import EDITABLE_STATUSES, CampaignStatus, RecipientStatus
from customers import selectors as customer_selectors
from jewelcrm.accounts.roles import ADMIN_ROLES, BRAND_ROLES, MARKETING_ROLES
from jewelcrm.tenancy.views import BrandViewMixin

PAGE_SIZE = 50


def _url(name: str, brand: Any, **kwargs: Any) -> str:
    return reverse(f"campaigns:{name}", kwargs={"brand_slug": brand.slug, **kwargs})


class _Base(BrandViewMixin, TemplateView):
    allowed_roles = BRAND_ROLES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_edit"] = self.membership.role in MARKETING_ROLES
        context["can_approve"] = self.membership.role in ADMIN_ROLES
        return context

    def _refuse_readers(self) -> None:
        if self.membership.role not in MARKETING_ROLES:
            raise PermissionDenied


# --- Journeys ------------------------------------------------------------------------------------


class JourneyListView(_Base):
    template_name = "campaigns/journey_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        services.journeys_ensure(brand=self.brand)
        counts = selectors.journey_counts(brand=self.brand)
        context["journeys"] = [
            {
                "journey": j,
                "sent": counts.get(j.pk, {}).get("sent", 0),
                "chosen": sum(counts.get(j.pk, {}).values()),
            }
            for j in selectors.journey_list(brand=self.brand)
        ]
        context["runs"] = list(selectors.run_list(brand=self.brand)[:7])
        context["config"] = services.settings_get(brand=self.brand)
        return context


class _JourneyMixin(_Base):
    def get_journey(self) -> Any:
        journey = selectors.journey_get(brand=self.brand, journey_id=self.kwargs["pk"])
        if journey is None:
            raise Http404
        return journey


class JourneyEditView(_JourneyMixin):
    template_name = "campaigns/journey_edit.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        journey = self.get_journey()
        context["journey"] = journey
        context.setdefault("form", JourneyForm(instance=journey, brand=self.brand))
        preview_form = PreviewForm(self.request.GET or None)
        context["preview_form"] = preview_form
        context["preview"] = _preview(self.brand, journey, preview_form)
        context["preview_sample"] = _preview_sample(self.brand, journey)
        context["preview_document_url"] = _url("journey_preview_document", self.brand, pk=journey.pk)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._refuse_readers()
        journey = self.get_journey()
        form = JourneyForm(request.POST, instance=journey, brand=self.brand)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in form.Meta.fields}
            services.journey_update(brand=self.brand, journey=journey, actor=request.user, **values)
            messages.success(request, _("The journey is saved."))
            return HttpResponseRedirect(_url("journey_edit", self.brand, pk=journey.pk))
        return self.render_to_response(self.get_context_data(form=form))


PREVIEW_SAMPLE = 20


def _preview_sample(brand: Any, source: Any) -> list[Any]:
    """A few customers to preview the message for: the first members of the audience's segment, else the
    newest customers. Two queries whatever the audience's size."""
    from segmentation import selectors as segment_selectors

    if source.segment_id:
        ids = list(segment_selectors.segment_member_ids(brand=brand, segment=source.segment)[:PREVIEW_SAMPLE])
        return segment_selectors.customers_by_id(brand=brand, customer_ids=ids)
    newest = customer_selectors.customer_list(brand=brand).filter(is_pseudonymised=False).order_by("-pk")
    return list(newest[:PREVIEW_SAMPLE])


def _preview(brand: Any, source: Any, form: PreviewForm) -> dict[str, Any] | None:
    if not form.is_bound or not form.is_valid() or not form.cleaned_data.get("customer"):
        return None
    customer = customer_selectors.customer_get(brand=brand, customer_id=form.cleaned_data["customer"])
    if customer is None:
        return {"error": _("No customer with this number.")}
    language = form.cleaned_data.get("language") or brand.default_language
    rendered = services.email_preview(brand=brand, source=source, customer=customer, language=language)
    return {"customer": customer, "language": language, "email": rendered}


class JourneyLogView(_JourneyMixin):
    template_name = "campaigns/send_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        journey = self.get_journey()
        context["source"] = journey
        context["source_name"] = journey.get_kind_display()
        context["back_url"] = _url("journey_edit", self.brand, pk=journey.pk)
        _log_context(
            self,
            context,
            selectors.recipient_log(
                brand=self.brand, journey=journey, status=self.request.GET.get("status", "")
            ),
        )
        context["counts"] = selectors.recipient_counts(brand=self.brand, journey=journey)
        return context


def _log_context(view: Any, context: dict[str, Any], rows: Any) -> None:
    page = Paginator(rows, PAGE_SIZE).get_page(view.request.GET.get("page"))
    recipients = list(page.object_list)
    customers = {
        c.pk: c
        for c in customer_selectors.customer_list(brand=view.brand).filter(
            pk__in={r.customer_id for r in recipients}
        )
    }
    context["page_obj"] = page
    context["rows"] = [{"recipient": r, "customer": customers.get(r.customer_id)} for r in recipients]
    context["statuses"] = RecipientStatus.choices
    context["status"] = view.request.GET.get("status", "")


class JourneyResultsView(_JourneyMixin):
    template_name = "campaigns/results.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        journey = self.get_journey()
        context["source_name"] = journey.get_kind_display()
        context["back_url"] = _url("journey_edit", self.brand, pk=journey.pk)
        context["results"] = _results(self.brand, journey=journey)
        context["overall"] = [context["results"].total]
        return context


def _results(brand: Any, *, journey: Any = None, campaign: Any = None) -> measurement.Results:
    from jewelcrm.retail.selectors import store_list
    from segmentation.labels import SEGMENT_LABELS

    source = journey if journey is not None else campaign
    results = measurement.results(
        brand=brand,
        journey_id=journey.pk if journey is not None else None,
        campaign_id=campaign.pk if campaign is not None else None,
        window_days=source.conversion_days,
        cost_per_message=source.cost_per_message,
        segment_labels=dict(SEGMENT_LABELS),
        store_names={s.pk: s.name for s in store_list(brand=brand)},
    )
    from campaigns.content.selectors import tracking_counts
    from campaigns.delivery.selectors import delivery_counts

    prefix = f"j{journey.pk}:" if journey is not None else f"c{campaign.pk}:"
    results.tracking = tracking_counts(brand=brand, message_keys_prefix=prefix)
    results.delivery = delivery_counts(brand=brand, key_prefix=prefix)
    return results


# --- Campaigns -----------------------------------------------------------------------------------


class CampaignListView(_Base):
    template_name = "campaigns/campaign_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        context["page_obj"] = Paginator(
            selectors.campaign_list(brand=self.brand, status=status), PAGE_SIZE
        ).get_page(self.request.GET.get("page"))
        context["statuses"] = CampaignStatus.choices
        context["status"] = status
        return context


class CampaignCreateView(_Base):
    allowed_roles = MARKETING_ROLES
    template_name = "campaigns/campaign_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CampaignForm(brand=self.brand))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CampaignForm(request.POST, brand=self.brand)
        if form.is_valid():
            campaign = services.campaign_create(brand=self.brand, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The campaign is saved as a draft."))
            return HttpResponseRedirect(_url("campaign_detail", self.brand, pk=campaign.pk))
        return self.render_to_response(self.get_context_data(form=form))


class _CampaignMixin(_Base):
    def get_campaign(self) -> Any:
        campaign = selectors.campaign_get(brand=self.brand, campaign_id=self.kwargs["pk"])
        if campaign is None:
            raise Http404
        return campaign


class CampaignEditView(_CampaignMixin):
    allowed_roles = MARKETING_ROLES
    template_name = "campaigns/campaign_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["campaign"] = self.get_campaign()
        context.setdefault("form", CampaignForm(instance=context["campaign"], brand=self.brand))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = self.get_campaign()
        form = CampaignForm(request.POST, instance=campaign, brand=self.brand)
        if form.is_valid():
            try:
                services.campaign_update(
                    brand=self.brand, campaign=campaign, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The campaign is saved."))
            return HttpResponseRedirect(_url("campaign_detail", self.brand, pk=campaign.pk))
        return self.render_to_response(self.get_context_data(form=form))


class CampaignDetailView(_CampaignMixin):
    template_name = "campaigns/campaign_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        campaign = self.get_campaign()
        context["campaign"] = campaign
        context["is_editable"] = campaign.status in EDITABLE_STATUSES
        context["audience"] = services.campaign_audience_size(brand=self.brand, campaign=campaign)
        context["threshold"] = services.settings_get(brand=self.brand).approval_threshold
        context["schedule_form"] = ScheduleForm()
        preview_form = PreviewForm(self.request.GET or None)
        context["preview_form"] = preview_form
        context["preview"] = _preview(self.brand, campaign, preview_form)
        context["preview_sample"] = _preview_sample(self.brand, campaign)
        context["preview_document_url"] = _url("campaign_preview_document", self.brand, pk=campaign.pk)
        context["counts"] = selectors.recipient_counts(brand=self.brand, campaign=campaign)
        context["can_approve_this"] = (
            self.membership.role in ADMIN_ROLES
            and campaign.status == CampaignStatus.AWAITING_APPROVAL
            and campaign.created_by_id != self.request.user.pk
        )
        return context


class _CampaignAction(_CampaignMixin):
    allowed_roles = MARKETING_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = self.get_campaign()
        try:
            self.act(request, campaign)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_url("campaign_detail", self.brand, pk=campaign.pk))

    def act(self, request: HttpRequest, campaign: Any) -> None:
        raise NotImplementedError


class CampaignScheduleView(_CampaignAction):
    def act(self, request: HttpRequest, campaign: Any) -> None:
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Give the date and time to send at."))
        naive = form.cleaned_data["send_at"].replace(tzinfo=None)
        send_at = datetime.combine(naive.date(), naive.time(), tzinfo=ZoneInfo(self.brand.time_zone))
        done = services.campaign_schedule(
            brand=self.brand, campaign=campaign, actor=request.user, send_at=send_at
        )
        if done.status == CampaignStatus.AWAITING_APPROVAL:
            messages.info(request, _("Above the brand's approval size: a brand admin must approve it first."))
        else:
            messages.success(request, _("The campaign is scheduled."))


class CampaignApproveView(_CampaignAction):
    allowed_roles = ADMIN_ROLES

    def act(self, request: HttpRequest, campaign: Any) -> None:
        services.campaign_approve(
            brand=self.brand, campaign=campaign, actor=request.user, role=self.membership.role
        )
        messages.success(request, _("The campaign is approved and scheduled."))


class CampaignCancelView(_CampaignAction):
    def act(self, request: HttpRequest, campaign: Any) -> None:
        services.campaign_cancel(brand=self.brand, campaign=campaign, actor=request.user)
        messages.success(request, _("The campaign is cancelled: nothing more will be sent."))


class CampaignTestSendView(_CampaignAction):
    def act(self, request: HttpRequest, campaign: Any) -> None:
        language = request.POST.get("language") if request.POST.get("language") in ("en", "fr") else "en"
        services.campaign_send_test(
            brand=self.brand, campaign=campaign, actor=request.user, language=language
        )
        messages.success(
            request, _("A test e-mail is on its way to %(email)s.") % {"email": request.user.email}
        )


class CampaignLogView(_CampaignMixin):
    template_name = "campaigns/send_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        campaign = self.get_campaign()
        context["source"] = campaign
        context["source_name"] = campaign.name
        context["back_url"] = _url("campaign_detail", self.brand, pk=campaign.pk)
        _log_context(
            self,
            context,
            selectors.recipient_log(
                brand=self.brand, campaign=campaign, status=self.request.GET.get("status", "")
            ),
        )
        context["counts"] = selectors.recipient_counts(brand=self.brand, campaign=campaign)
        return context


class CampaignResultsView(_CampaignMixin):
    template_name = "campaigns/results.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        campaign = self.get_campaign()
        context["source_name"] = campaign.name
        context["back_url"] = _url("campaign_detail", self.brand, pk=campaign.pk)
        context["results"] = _results(self.brand, campaign=campaign)
        context["overall"] = [context["results"].total]
        return context


# --- Settings ------------------------------------------------------------------------------------


class SettingsView(_Base):
    template_name = "campaigns/settings.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SettingsForm(instance=services.settings_get(brand=self.brand)))
        context["can_change"] = self.membership.role in ADMIN_ROLES
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.membership.role not in ADMIN_ROLES:
            raise PermissionDenied
        form = SettingsForm(request.POST, instance=services.settings_get(brand=self.brand))
        if form.is_valid():
            services.settings_update(brand=self.brand, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The campaign settings are saved."))
            return HttpResponseRedirect(_url("settings", self.brand))
        return self.render_to_response(self.get_context_data(form=form))


# --- The preview as its own document --------------------------------------------------------------


@email_document
class _PreviewDocument(_Base):
    """The previewed e-mail as its own document, framed by the journey or campaign page: the e-mail's
    inline styles need a CSP of their own (scripts stay forbidden; every value in it is escaped), so the
    marketer sees the message as the customer will."""

    http_method_names = ["get"]

    def source(self) -> Any:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        preview = _preview(self.brand, self.source(), PreviewForm(request.GET))
        if preview is None or "error" in preview:
            raise Http404
        return HttpResponse(preview["email"].html)


class JourneyPreviewDocumentView(_PreviewDocument, _JourneyMixin):
    def source(self) -> Any:
        return self.get_journey()


class CampaignPreviewDocumentView(_PreviewDocument, _CampaignMixin):
    def source(self) -> Any:
        return self.get_campaign()
