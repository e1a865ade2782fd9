from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jewelcrm.catalog.models import Category


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    collection = forms.ChoiceField(label=_("Collection"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )

    def __init__(self, *args: Any, collections: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].choices = [("", _("All collections"))] + [(c, c) for c in collections]


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("New photo"),
        help_text=_("JPEG, PNG or WebP, up to 5 MB."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photo(self) -> Any:
        photo = self.cleaned_data["photo"]
        if photo.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The photo is larger than 5 MB."))
        return photo


class ProductForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=64)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    name_fr = forms.CharField(label=_("Name in French"), max_length=200, required=False)
    collection = forms.CharField(label=_("Collection"), max_length=100, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    metal = forms.CharField(label=_("Metal"), max_length=100, required=False)
    stones = forms.CharField(label=_("Stones"), max_length=200, required=False)
    price = forms.DecimalField(
        label=_("Public price"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=12, help_text=_("ISO 4217 code: EUR, CHF, USD...")
    )
    warranty_months = forms.IntegerField(label=_("Warranty (months)"), min_value=0, max_value=240, initial=24)
    service_interval_months = forms.IntegerField(
        label=_("Service interval (months)"), min_value=1, max_value=240, required=False
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    complements = forms.ModelMultipleChoiceField(
        label=_("Complementary products"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pieces a sales associate may suggest with this one (e.g. charms for a bracelet)."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["complements"].queryset = products
        self.fields["complements"].label_from_instance = lambda p: f"{p.reference} · {p.name}"

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The photo is larger than 5 MB."))
        return photo
