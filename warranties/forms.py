"""Forms of the warranty pages: sale registration, recognition search, interventions, claims, filters."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.models import RelationKind
from customers.normalise import email_normalise, phone_normalise
from jewelcrm.currencies import currency_normalise
from warranties.models import InterventionKind


class GiftOccasion:
    CHOICES = [
        ("birthday", _("Birthday")),
        ("anniversary", _("Anniversary")),
        ("wedding", _("Wedding")),
        ("engagement", _("Engagement")),
        ("birth", _("Birth")),
        ("christmas", _("Christmas")),
        ("valentines_day", _("Valentine's Day")),
        ("mothers_day", _("Mother's Day")),
        ("graduation", _("Graduation")),
        ("other", _("Other")),
    ]


LANGUAGE_CHOICES = [("fr", _("French")), ("en", _("English"))]


class RegistrationForm(forms.Form):
    """The sale at the counter. `store` gives the default currency and the phone region."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    item_query = forms.CharField(
        label=_("Serial or public code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
                "inputmode": "text",
            }
        ),
        help_text=_("Type it, scan its barcode, or scan the QR code with the camera."),
    )
    email = forms.CharField(
        label=_("Customer's e-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    phone = forms.CharField(
        label=_("Customer's phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel", "type": "tel"}),
    )
    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    language = forms.ChoiceField(label=_("Customer's language"), choices=LANGUAGE_CHOICES)
    price_paid = forms.DecimalField(
        label=_("Price paid"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 3}),
    )
    is_gift = forms.BooleanField(label=_("This is a gift"), required=False)
    gift_recipient_name = forms.CharField(label=_("Recipient's name"), required=False, max_length=150)
    gift_relation = forms.ChoiceField(
        label=_("Relation to the customer"),
        choices=RelationKind.choices,
        required=False,
        initial=RelationKind.OTHER,
    )
    gift_occasion = forms.ChoiceField(
        label=_("Occasion"), choices=[("", "—"), *GiftOccasion.CHOICES], required=False
    )
    gift_birthday = forms.DateField(
        label=_("Recipient's birthday (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    gift_email = forms.CharField(
        label=_("Recipient's e-mail (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    gift_email_consent = forms.BooleanField(
        label=_("The recipient agrees that we keep their e-mail address"), required=False
    )
    consent_email = forms.BooleanField(label=_("E-mail"), required=False)
    consent_sms = forms.BooleanField(label=_("SMS"), required=False)
    consent_phone = forms.BooleanField(label=_("Phone"), required=False)
    consent_post = forms.BooleanField(label=_("Post"), required=False)

    CONSENT_FIELDS = ("consent_email", "consent_sms", "consent_phone", "consent_post")

    def __init__(self, *args: Any, store: Any, language: str = "en", **kwargs: Any) -> None:
        self.store = store
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = store.currency
        self.fields["language"].initial = language if language in dict(LANGUAGE_CHOICES) else "en"
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_item_query(self) -> str:
        return " ".join(self.cleaned_data["item_query"].split())

    def clean_email(self) -> str:
        return email_normalise(self.cleaned_data.get("email"))

    def clean_phone(self) -> str:
        return phone_normalise(
            self.cleaned_data.get("phone"), default_region=str(self.store.country or "") or None
        )

    def clean_currency(self) -> str:
        code = currency_normalise(self.cleaned_data.get("currency"))
        if code is None:
            raise ValidationError(
                _("“%(value)s” is not an ISO 4217 currency code."),
                params={"value": self.cleaned_data.get("currency")},
            )
        return code

    def clean_gift_email(self) -> str:
        return email_normalise(self.cleaned_data.get("gift_email"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            not self.errors.get("email")
            and not self.errors.get("phone")
            and not (data.get("email") or data.get("phone"))
        ):
            self.add_error("email", _("Give the customer's e-mail or phone number."))
        if data.get("is_gift"):
            if not (data.get("gift_recipient_name") or "").strip():
                self.add_error("gift_recipient_name", _("Give the name of the person who receives the gift."))
            if data.get("gift_email") and not data.get("gift_email_consent"):
                self.add_error(
                    "gift_email_consent", _("Keep the recipient's e-mail only with their own consent.")
                )
        return data

    @property
    def consents(self) -> set[str]:
        return {name.removeprefix("consent_") for name in self.CONSENT_FIELDS if self.cleaned_data.get(name)}


class LookupForm(forms.Form):
    q = forms.CharField(label=_("Serial, public code, customer e-mail or phone"), max_length=254)


class InterventionForm(forms.Form):
    item_query = forms.CharField(
        label=_("Serial or public code"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=InterventionKind.choices)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parts = forms.CharField(label=_("Parts"), required=False, max_length=255)
    labour_cost = forms.DecimalField(
        label=_("Labour cost"), min_value=Decimal(0), max_digits=10, decimal_places=2, initial=0
    )
    parts_cost = forms.DecimalField(
        label=_("Parts cost"), min_value=Decimal(0), max_digits=10, decimal_places=2, initial=0
    )


class InterventionUpdateForm(forms.Form):
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parts = forms.CharField(label=_("Parts"), required=False, max_length=255)
    labour_cost = forms.DecimalField(
        label=_("Labour cost"), min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    parts_cost = forms.DecimalField(
        label=_("Parts cost"), min_value=Decimal(0), max_digits=10, decimal_places=2
    )


class ClaimForm(forms.Form):
    labour_amount = forms.DecimalField(
        label=_("Labour"), min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    parts_amount = forms.DecimalField(label=_("Parts"), min_value=Decimal(0), max_digits=10, decimal_places=2)


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve")),
            ("partial", _("Approve partially")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Approved amount (partial approval)"),
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RegistrationFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    store = forms.TypedChoiceField(label=_("Store"), required=False, coerce=int, empty_value=None)
    country = forms.ChoiceField(label=_("Country"), required=False)
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None)
    gift = forms.ChoiceField(
        label=_("Gift"),
        required=False,
        choices=[("", _("All")), ("yes", _("Gifts only")), ("no", _("Not gifts"))],
    )

    def __init__(self, *args: Any, stores: list[Any], products: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All stores")), *((s.pk, str(s)) for s in stores)]
        countries = sorted({str(s.country) for s in stores if s.country})
        self.fields["country"].choices = [("", _("All countries")), *((c, c) for c in countries)]
        self.fields["product"].choices = [("", _("All products")), *((p.pk, p.reference) for p in products)]


class PayoutForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )
