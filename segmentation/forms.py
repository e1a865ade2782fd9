from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jewelcrm.catalog.models import Category
from segmentation.builder import CHANNELS, RuleInvalid, normalise
from segmentation.labels import RULE_ERRORS, SEGMENT_LABELS
from segmentation.rfm import SEGMENT_CODES

CATEGORY_CHOICES = Category.choices
CHANNEL_LABELS = {"email": _("E-mail"), "sms": _("SMS"), "phone": _("Phone"), "post": _("Post")}


class SegmentForm(forms.Form):
    """The builder: every field is optional; the filled ones become rules that must all hold."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    rfm_segment = forms.MultipleChoiceField(
        label=_("RFM segment"),
        choices=[(c, SEGMENT_LABELS[c]) for c in SEGMENT_CODES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    value_band_min = forms.TypedChoiceField(
        label=_("Lifetime value"),
        choices=[("", _("Any")), ("10", _("Top 10 %")), ("9", _("Top 20 %")), ("6", _("Top half"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    clv_12m_min = forms.DecimalField(
        label=_("Predicted 12-month value at least"), min_value=0, required=False
    )
    clv_12m_max = forms.DecimalField(label=_("Predicted 12-month value at most"), min_value=0, required=False)
    churn_risk_min = forms.IntegerField(
        label=_("Churn risk at least (%)"), min_value=0, max_value=100, required=False
    )
    churn_risk_max = forms.IntegerField(
        label=_("Churn risk at most (%)"), min_value=0, max_value=100, required=False
    )
    cluster = forms.TypedMultipleChoiceField(
        label=_("Cluster"),
        choices=[(n, n) for n in range(1, 6)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    gender = forms.CharField(label=_("Gender"), required=False, help_text=_("Comma-separated values"))
    family_situation = forms.CharField(label=_("Family situation"), required=False)
    country = forms.CharField(label=_("Countries"), required=False, help_text=_("ISO codes, e.g. FR, CH"))
    language = forms.CharField(label=_("Languages"), required=False, help_text=_("e.g. fr, en"))
    home_store = forms.TypedMultipleChoiceField(
        label=_("Home store"),
        coerce=int,
        required=False,
        choices=[],
        help_text=_("The customer's own store; choose one or more."),
    )
    age_min = forms.IntegerField(label=_("Age at least"), min_value=0, max_value=120, required=False)
    age_max = forms.IntegerField(label=_("Age at most"), min_value=0, max_value=120, required=False)
    consent = forms.MultipleChoiceField(
        label=_("Active consent on"),
        choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    category = forms.MultipleChoiceField(
        label=_("Owns a piece of category"),
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    collection = forms.CharField(
        label=_("Owns a piece of collection"), required=False, help_text=_("Comma-separated values")
    )
    upcoming_date_days = forms.IntegerField(
        label=_("Birthday or anniversary within (days)"), min_value=0, max_value=120, required=False
    )
    gift_recipient_date_days = forms.IntegerField(
        label=_("A gift recipient's date within (days)"), min_value=0, max_value=120, required=False
    )

    LIST_FIELDS = ("gender", "family_situation", "country", "language", "collection")

    def __init__(self, *args: Any, brand: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The brand's stores by name (one query): another brand's store id is not a choice.
        from jewelcrm.retail import selectors as retail_selectors

        stores = (
            retail_selectors.store_list(brand=brand)
            .order_by("name", "code")
            .values_list("pk", "name", "city")
        )
        self.fields["home_store"].choices = [
            (pk, f"{name} ({city})" if city else name) for pk, name, city in stores
        ]

    def rules(self) -> list[dict[str, Any]]:
        """The rules of a valid form (call is_valid first)."""
        data = self.cleaned_data
        rules: list[dict[str, Any]] = []
        for name in self.fields:
            if name in ("name", "description"):
                continue
            value = data.get(name)
            if value in (None, "", []):
                continue
            if name in self.LIST_FIELDS:
                value = [v.strip() for v in str(value).split(",") if v.strip()]
                if not value:
                    continue
            if name in ("clv_12m_min", "clv_12m_max"):
                value = float(value)
            rules.append({"field": name, "value": value})
        try:
            return normalise(rules)
        except RuleInvalid as error:
            self.add_error(error.field if error.field in self.fields else None, RULE_ERRORS[error.code])
            raise

    @classmethod
    def initial_from_rules(cls, rules: list[dict[str, Any]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for rule in rules:
            value = rule["value"]
            if rule["field"] in cls.LIST_FIELDS:
                value = ", ".join(value)
            initial[rule["field"]] = value
        return initial


class RulesForm(forms.Form):
    recency_cutoffs = forms.CharField(
        label=_("Recency cut-offs (days)"),
        help_text=_("R5 up to the first, R4 up to the second, …: four increasing numbers"),
    )
    frequency_cutoffs = forms.CharField(
        label=_("Frequency cut-offs (purchases)"), help_text=_("F2 from the first, F3 from the second, …")
    )
    monetary_cutoffs = forms.CharField(
        label=_("Monetary cut-offs"), help_text=_("M2 from the first amount, M3 from the second, …")
    )

    def __init__(self, *args: Any, segments: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.segment_codes = [s["code"] for s in segments]
        for index, segment in enumerate(segments):
            for axis in ("r", "f"):
                for end, position in (("min", 0), ("max", 1)):
                    self.fields[f"s{index}_{axis}_{end}"] = forms.IntegerField(
                        min_value=1,
                        max_value=5,
                        initial=segment[axis][position],
                        label=f"{SEGMENT_LABELS.get(segment['code'], segment['code'])} {axis.upper()} {end}",
                    )

    @staticmethod
    def _numbers(text: str) -> list[float]:
        return [float(v) for v in text.replace(";", ",").split(",") if v.strip()]

    def rules(self) -> dict[str, Any]:
        data = self.cleaned_data
        try:
            rules: dict[str, Any] = {
                "recency_cutoffs": [int(v) for v in self._numbers(data["recency_cutoffs"])],
                "frequency_cutoffs": [int(v) for v in self._numbers(data["frequency_cutoffs"])],
                "monetary_cutoffs": self._numbers(data["monetary_cutoffs"]),
            }
        except ValueError:
            raise forms.ValidationError(_("Enter numbers separated by commas.")) from None
        rules["segments"] = [
            {
                "code": code,
                "r": [data[f"s{i}_r_min"], data[f"s{i}_r_max"]],
                "f": [data[f"s{i}_f_min"], data[f"s{i}_f_max"]],
            }
            for i, code in enumerate(self.segment_codes)
        ]
        return rules
