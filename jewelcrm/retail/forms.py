from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from jewelcrm.forms import form_add_service_errors
from jewelcrm.retail.models import StoreType

__all__ = ["RetailerForm", "StoreFilterForm", "StoreForm", "form_add_service_errors"]


class StoreFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *StoreType.choices]
    )

    def __init__(self, *args: Any, country_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All countries"))] + [
            (code, dict(countries).get(code, code)) for code in country_codes
        ]


class StoreForm(forms.Form):
    retailer = forms.ModelChoiceField(label=_("Retailer"), queryset=None)
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Unique within the brand, e.g. PAR-VDM.")
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    type = forms.ChoiceField(label=_("Type"), choices=StoreType.choices)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—"), *countries])
    currency = forms.CharField(
        label=_("Currency"),
        max_length=12,
        help_text=_("ISO 4217 code: EUR, CHF, USD..."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "list": "currencies"}),
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial="Europe/Paris",
        help_text=_("e.g. Europe/Paris, America/New_York"),
        widget=forms.TextInput(attrs={"list": "time-zones"}),
    )
    market = forms.CharField(
        label=_("Allocated market"),
        max_length=32,
        required=False,
        help_text=_(
            "Where this store may sell: country codes (FR or FR,BE) or EU; empty means its own country."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, retailers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["retailer"].queryset = retailers


class RetailerForm(forms.Form):
    name = forms.CharField(label=_("Retailer name"), max_length=150)
    is_own = forms.BooleanField(label=_("The brand's own retail"), required=False)
