import logging
import uuid
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
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


log = logging.getLogger(__name__)


class SendLogPasswordResetForm(PasswordResetForm):
    """Django's password reset, its e-mail recorded in the send log (jewelcrm.messaging) like every other:
    sent once, retried while the mail server is down, shown on the brand's "Outgoing e-mails" page.

    The send log is kept per brand: the e-mail is filed under the brand of the person's oldest active
    membership. Someone with no brand at all (platform staff) gets Django's direct e-mail, with a log line.
    The log keeps no link: the renderer makes it at delivery, and the kind is sensitive."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from jewelcrm.accounts.emails import PASSWORD_RESET
        from jewelcrm.accounts.selectors import membership_list_for_user
        from jewelcrm.messaging.services import message_send
        from jewelcrm.tenancy.context import brand_context

        user = context["user"]
        memberships = sorted(membership_list_for_user(user=user), key=lambda m: m.pk)
        if not memberships:
            log.info(
                "password reset for user %s, who has no brand: sent directly, outside the send log", user.pk
            )
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
            return
        brand = memberships[0].brand
        with brand_context(brand):
            message_send(
                brand=brand,
                key=f"accounts.password-reset:{user.pk}:{uuid.uuid4().hex}",
                kind=PASSWORD_RESET,
                to=to_email,
                context={"user_id": user.pk, "domain": context["domain"], "protocol": context["protocol"]},
                language=getattr(user, "language", "") or brand.default_language,
            )


class InvitationForm(forms.Form):
    """Invite a person by e-mail. Retailer managers see neither role nor store: both are fixed."""

    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"))
    store: forms.ModelChoiceField = forms.ModelChoiceField(
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
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [("", _("Choose a role"))] + [
            (value, label)
            for value, label in Role.choices
            if role_may_grant(actor_role=actor.role, role=value)
        ]
        store_field = self.fields["store"]
        assert isinstance(store_field, forms.ModelChoiceField)
        store_field.queryset = membership_store_choices(brand=brand)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") in RETAIL_ROLES and not data.get("store"):
            self.add_error("store", _("Choose the store this person works in."))
        return data


class APIKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. “E-shop synchronisation”."),
    )
