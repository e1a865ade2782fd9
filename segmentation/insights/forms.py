from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from jewelcrm.catalog.models import Category


class InsightsFilterForm(forms.Form):
    """The filters every chart and table of an insights page obeys; they stay in the URL."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    country = forms.ChoiceField(label=_("Country"), required=False)
    store = forms.IntegerField(label=_("Store"), required=False, widget=forms.Select)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )

    def __init__(self, *args: Any, country_codes: list[str], stores: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(countries)
        self.fields["country"].choices = [("", _("All countries"))] + [
            (code, names.get(code, code)) for code in country_codes
        ]
        self.fields["store"].widget.choices = [("", _("All stores"))] + [
            (store.pk, f"{store.name} ({store.city})" if store.city else store.name) for store in stores
        ]


class TransferForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    to_store = forms.IntegerField(widget=forms.HiddenInput)


class PriceBandsForm(forms.Form):
    limits = forms.CharField(
        label=_("Price band limits"),
        help_text=_("Public prices where a band ends, in increasing order, separated by commas."),
    )

    def clean_limits(self) -> list[int]:
        raw = [
            part.strip().replace(" ", "").replace("\u202f", "")
            for part in self.cleaned_data["limits"].split(",")
        ]
        try:
            return [int(part) for part in raw if part]
        except ValueError as error:
            raise forms.ValidationError(
                _("Give whole amounts separated by commas, e.g. 500, 1000, 2500.")
            ) from error


class MonthField(forms.DateField):
    """A month as the browser's month picker sends it ("2026-03"); also accepts a full date."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class OverviewFilterForm(forms.Form):
    """The overview's filters: every chart of the page obeys them; they stay in the URL."""

    start = MonthField(label=_("From (month)"), required=False)
    end = MonthField(label=_("To (month)"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    store = forms.IntegerField(label=_("Store"), required=False, widget=forms.Select)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(
        self, *args: Any, country_codes: list[str], stores: list[Any], channels: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        names = dict(countries)
        self.fields["country"].choices = [("", _("All countries"))] + [
            (code, names.get(code, code)) for code in country_codes
        ]
        self.fields["store"].widget.choices = [("", _("All stores"))] + [
            (store.pk, f"{store.name} ({store.city})" if store.city else store.name) for store in stores
        ]
        self.fields["channel"].choices = [("", _("All channels")), *channels.items()]


class CustomersFilterForm(forms.Form):
    """The customers page's filter: how many quarters of cohorts to show; it stays in the URL."""

    quarters = forms.TypedChoiceField(
        label=_("Cohorts"),
        required=False,
        coerce=int,
        empty_value=8,
        choices=[
            (4, _("Last 4 quarters")),
            (8, _("Last 8 quarters")),
            (12, _("Last 12 quarters")),
        ],
    )


class ServicesFilterForm(OverviewFilterForm):
    """The services page's filters: months, country, store (interventions have no sales channel)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, channels={}, **kwargs)
        del self.fields["channel"]
