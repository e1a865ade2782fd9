"""Forms of the owner portal, the public item page and the staff pages of the portal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from customers.models import Channel
from warranties.portal.models import Audience, Post, PostKind, RsvpAnswer, TransferKind


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ClaimForm(forms.Form):
    code = forms.CharField(
        label=_("Transfer code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = LazyTypedChoiceField(label=_("Country"), choices=[("", "—"), *countries], required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    consent_email = forms.BooleanField(label=_("News by e-mail"), required=False)
    consent_sms = forms.BooleanField(label=_("News by SMS"), required=False)
    consent_phone = forms.BooleanField(label=_("Calls from the brand"), required=False)
    consent_post = forms.BooleanField(label=_("News by post"), required=False)

    def __init__(self, *args: Any, default_region: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_region = default_region

    def clean_phone(self) -> str:
        from customers.normalise import phone_normalise

        return phone_normalise(self.cleaned_data.get("phone"), default_region=self.default_region or None)

    def consents(self) -> dict[str, bool]:
        return {channel: bool(self.cleaned_data.get(f"consent_{channel}")) for channel in Channel.values}


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(label=_("I understand that my account and my personal data will be erased."))


class ServiceRequestForm(forms.Form):
    store = forms.TypedChoiceField(label=_("Store"), coerce=int)
    kind = forms.ChoiceField(label=_("Service"))
    message = forms.CharField(
        label=_("Message to the store (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, store_choices: list[Any], **kwargs: Any) -> None:
        from warranties.models import InterventionKind

        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", "—"), *store_choices]
        self.fields["kind"].choices = [
            (k, label)
            for k, label in InterventionKind.choices
            if k in ("service", "repair", "cleaning", "resizing", "engraving", "battery")
        ]


class LossForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened?"),
        widget=forms.RadioSelect,
        choices=[("lost", _("I lost it")), ("stolen", _("It was stolen"))],
    )
    note = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TransferStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sale or gift?"), choices=TransferKind.choices, widget=forms.RadioSelect)


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(choices=RsvpAnswer.choices)


class FoundForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What happened?"),
        widget=forms.RadioSelect,
        choices=[("found", _("I found this piece")), ("offered", _("This piece was offered to me"))],
    )
    message = forms.CharField(
        label=_("Message"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact = forms.CharField(
        label=_("How can the brand reach you? (optional)"), required=False, max_length=200
    )


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = [
            "kind",
            "title",
            "body",
            "language",
            "audience",
            "audience_value",
            "event_starts_at",
            "event_place",
            "capacity",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "event_starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "language": forms.Select(choices=[("", _("Every language")), *settings.LANGUAGES]),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("audience") in (Audience.COLLECTION, Audience.CATEGORY) and not data.get(
            "audience_value"
        ):
            self.add_error("audience_value", _("Name the collection or the category."))
        if data.get("kind") == PostKind.EVENT and not data.get("event_starts_at"):
            self.add_error("event_starts_at", _("An invitation needs a date."))
        return data


class ItemQueryForm(forms.Form):
    query = forms.CharField(label=_("Serial or public code"), max_length=64)


class StoreLossForm(ItemQueryForm):
    status = forms.ChoiceField(
        label=_("Report"), choices=[("lost", _("Lost")), ("stolen", _("Stolen"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Details (optional)"), required=False, max_length=500)


class StoreTransferForm(ItemQueryForm):
    owner_code = forms.CharField(
        label=_("Owner's transfer code (optional)"),
        max_length=20,
        required=False,
        help_text=_(
            "The code the owner creates in their owner portal. Without it, the owner is e-mailed a link "
            "and the transfer waits for their confirmation."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    email = forms.EmailField(label=_("New owner's e-mail"))
    first_name = forms.CharField(label=_("New owner's first name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("New owner's last name"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Sale or gift?"),
        choices=TransferKind.choices,
        widget=forms.RadioSelect,
        initial=TransferKind.SALE,
    )


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("refuse", _("Refuse"))])
