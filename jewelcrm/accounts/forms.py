from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.roles import RETAIL_ROLES, Role


class LoginForm(AuthenticationForm):
    """E-mail and password. Unknown e-mail and wrong password get the same message."""

    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("That e-mail and password do not match an account. Check them and try again."),
        "inactive": _("That e-mail and password do not match an account. Check them and try again."),
    }


class InvitationForm(forms.Form):
    """Invite a person by e-mail. Retailer managers see neither role nor store: both are fixed."""

    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"))
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=None,
        required=False,
        help_text=_("Required for retailer managers and sales associates."),
    )

    def __init__(self, *args: Any, brand: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from jewelcrm.accounts.selectors import membership_store_choices
        from jewelcrm.accounts.services import role_may_grant

        if actor.role == Role.RETAIL_MANAGER:
            del self.fields["role"]
            del self.fields["store"]
            return
        self.fields["role"].choices = [("", _("Choose a role"))] + [
            (value, label)
            for value, label in Role.choices
            if role_may_grant(actor_role=actor.role, role=value)
        ]
        self.fields["store"].queryset = membership_store_choices(brand=brand)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") in RETAIL_ROLES and not data.get("store"):
            self.add_error("store", _("Choose the store this person works in."))
        return data


class APIKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. “E-shop synchronisation”."),
    )
