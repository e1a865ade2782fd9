"""Forms of the customer pages. They validate and normalise; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.models import Channel, Customer, Relation
from customers.normalise import email_normalise, phone_normalise


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CustomerForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separated by commas, e.g. VIP, bridal, watches"),
    )
    # Declared here (not generated) so that no scoped queryset is built when the module is imported.
    home_store = forms.ModelChoiceField(label=_("Home store"), queryset=None, required=False)
    assigned_associate = forms.ModelChoiceField(label=_("Assigned associate"), queryset=None, required=False)

    class Meta:
        model = Customer
        fields = [
            "title",
            "first_name",
            "last_name",
            "email",
            "phone",
            "birth_date",
            "gender",
            "family_situation",
            "wedding_anniversary",
            "address",
            "postal_code",
            "city",
            "country",
            "language",
            "preferred_channel",
            "tags",
            "notes",
            "customer_since",
        ]
        widgets = {
            "birth_date": DateInput(),
            "wedding_anniversary": DateInput(),
            "customer_since": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, brand: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from jewelcrm.accounts.selectors import membership_list
        from jewelcrm.retail.selectors import store_list

        self.brand = brand
        self.fields["home_store"].queryset = store_list(brand=brand)
        user_ids = membership_list(brand=brand).filter(is_active=True).values("user_id")
        from django.contrib.auth import get_user_model

        self.fields["assigned_associate"].queryset = (
            get_user_model().objects.filter(pk__in=user_ids).order_by("email")
        )
        if self.instance.pk:
            self.initial["tags"] = ", ".join(self.instance.tags or [])
            self.initial["home_store"] = self.instance.home_store_id
            self.initial["assigned_associate"] = self.instance.assigned_associate_id

    def clean_email(self) -> str:
        return email_normalise(self.cleaned_data.get("email"))

    def clean_phone(self) -> str:
        country = (self.data.get(self.add_prefix("country")) or self.brand.country or "").upper()
        return phone_normalise(self.cleaned_data.get("phone"), default_region=country or None)

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return list(dict.fromkeys(t.strip()[:40] for t in raw.split(",") if t.strip()))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not (data.get("email") or data.get("phone")):
            raise ValidationError(_("Give an e-mail address or a phone number."))
        return data

    def _post_clean(self) -> None:
        # The service validates the model; nothing is written to the instance here.
        pass


class RelationForm(forms.ModelForm):
    class Meta:
        model = Relation
        fields = ["name", "kind", "birth_date", "anniversary", "email"]
        widgets = {"birth_date": DateInput(), "anniversary": DateInput()}

    def clean_email(self) -> str:
        return email_normalise(self.cleaned_data.get("email"))

    def _post_clean(self) -> None:
        pass


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    purpose = forms.CharField(label=_("Purpose"), initial="marketing", max_length=32)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Grants consent")), ("withdraw", _("Withdraws consent"))],
        widget=forms.RadioSelect,
    )
    wording_version = forms.CharField(label=_("Wording version"), max_length=32, required=False)


class MergeForm(forms.Form):
    survivor = forms.TypedChoiceField(label=_("Profile to keep"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, pair: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [
            (c.pk, f"#{c.pk} {c.full_name or c.email}") for c in (pair.first, pair.second)
        ]
        self.fields["survivor"].initial = pair.first.pk


class EraseForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type ERASE to confirm"),
        max_length=10,
        help_text=_("The person's identity and contact data are removed for good; items keep their history."),
    )

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value.upper() not in ("ERASE", "EFFACER"):
            raise ValidationError(_("Type ERASE to confirm."))
        return value
