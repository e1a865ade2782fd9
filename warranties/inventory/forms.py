from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warranties.inventory.models import ItemStatus


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Serial or public code"), required=False)
    product = forms.IntegerField(required=False, widget=forms.HiddenInput)
    collection = forms.ChoiceField(label=_("Collection"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ItemStatus.choices]
    )
    store = forms.ChoiceField(label=_("Store"), required=False)

    def __init__(self, *args: Any, collections: list[str], stores: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].choices = [("", _("All collections"))] + [(c, c) for c in collections]
        self.fields["store"].choices = [("", _("All stores"))] + [(str(s.pk), str(s)) for s in stores]


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=_("Stock as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for now."),
    )

    def clean_as_of(self) -> date | None:
        value = self.cleaned_data.get("as_of")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Choose a date that is not in the future."))
        return value


class ShipForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Ship to store"), queryset=None)
    serials = forms.CharField(
        label=_("Serials"),
        widget=forms.Textarea(attrs={"rows": 6, "autocapitalize": "characters"}),
        help_text=_("One serial per line (or separated by spaces or commas); a scanner may type them."),
        required=False,
    )
    items = forms.MultipleChoiceField(
        label=_("Or tick items in the brand's stock"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, stores: Any, available: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.fields["items"].choices = [(str(i.pk), f"{i.serial} · {i.product.reference}") for i in available]

    def serial_list(self) -> list[str]:
        raw = self.cleaned_data.get("serials", "")
        return [s for s in raw.replace(",", " ").replace(";", " ").split() if s]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.serial_list() and not data.get("items"):
            raise forms.ValidationError(_("Type at least one serial or tick at least one item."))
        return data


class TransferForm(forms.Form):
    serial = forms.CharField(
        label=_("Serial or public code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "inputmode": "text"}
        ),
    )
    to_store = forms.ModelChoiceField(label=_("Send to store"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_store"].queryset = stores


class StockSearchForm(forms.Form):
    q = forms.CharField(label=_("Search my stock"), required=False)
