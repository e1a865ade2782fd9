"""Forms of the campaigns pages; every choice limited to the brand's own rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, CampaignSettings, Journey

LANGUAGE_CHOICES = [("en", _("English")), ("fr", _("French"))]


def _brand_choices(form: forms.ModelForm, brand: Any) -> None:
    from campaigns.content.selectors import template_list
    from segmentation.selectors import segment_list

    if "cost_per_message" in form.fields:
        field = form.fields["cost_per_message"]
        field.label = _("Cost per message (%(currency)s)") % {"currency": brand.default_currency}
        field.help_text = _(
            "What one message costs you, in the brand's currency: the results set it against revenue."
        )
    if "segment" in form.fields:
        form.fields["segment"].queryset = segment_list(brand=brand)
    if "template" in form.fields:
        form.fields["template"].queryset = template_list(brand=brand)


class JourneyForm(forms.ModelForm):
    # Declared with an empty queryset: the brand's own rows are set in __init__, inside its context.
    segment = forms.ModelChoiceField(
        label=_("Audience"), queryset=None, required=False, empty_label=_("Every customer with a consent")
    )
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=None, required=False, empty_label=_("Built-in wording of the occasion")
    )

    class Meta:
        model = Journey
        fields = [
            "is_enabled",
            "offset_days",
            "segment",
            "channel",
            "template",
            "hold_out_percent",
            "conversion_days",
            "cost_per_message",
        ]

    def __init__(self, *args: Any, brand: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _brand_choices(self, brand)


class CampaignForm(forms.ModelForm):
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=None)
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=None, required=False, empty_label=_("The subject and message below")
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "segment",
            "template",
            "subject_en",
            "subject_fr",
            "body_en",
            "body_fr",
            "hold_out_percent",
            "conversion_days",
            "cost_per_message",
        ]
        widgets = {"body_en": forms.Textarea(attrs={"rows": 5}), "body_fr": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"body_en": _("{first_name} and {brand} are filled in for each customer.")}

    def __init__(self, *args: Any, brand: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _brand_choices(self, brand)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("template") and not (data.get("subject_en") or data.get("subject_fr")):
            raise forms.ValidationError(_("Choose a template or write a subject."))
        return data


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("In the brand's time zone."),
    )


class PreviewForm(forms.Form):
    customer = forms.IntegerField(
        label=_("Customer"),
        min_value=1,
        required=False,
        widget=forms.TextInput(
            attrs={"list": "preview-customers", "inputmode": "numeric", "autocomplete": "off"}
        ),
        help_text=_("Pick one of the audience from the list, or type a customer number."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CampaignSettings
        fields = [
            "leap_day_rule",
            "approval_threshold",
            "weekly_cap",
            "quiet_from",
            "quiet_until",
            "catch_up_days",
        ]
