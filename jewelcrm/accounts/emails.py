"""The e-mails of the accounts app, rendered by the send log's delivery task (jewelcrm.messaging)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.models import Membership
from jewelcrm.messaging.models import Message
from jewelcrm.messaging.registry import Email, email_kind

INVITATION = "accounts.invitation"


@email_kind(INVITATION, label=_("Invitation to the team"))
def invitation_email_render(message: Message) -> Email | None:
    """The invitation e-mail of a membership of the brand in context, in the person's language."""
    membership = (
        Membership.objects.filter(
            Q(is_active=True) | Q(is_pending=True), pk=message.context.get("membership_id")
        )
        .select_related("user", "brand", "store")
        .first()
    )
    if membership is None:
        return None
    with_password_link = bool(message.context.get("with_password_link"))
    user = membership.user
    context: dict[str, Any] = {
        "user": user,
        "brand": membership.brand,
        "membership": membership,
        "role": membership.get_role_display,
        "site_url": settings.SITE_URL,
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "invitations_url": settings.SITE_URL + reverse("accounts:invitations"),
        "is_pending": membership.is_pending,
    }
    if with_password_link:
        context["set_password_url"] = settings.SITE_URL + reverse(
            "accounts:invitation_accept",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    with translation.override(user.language or membership.brand.default_language):
        context["role"] = membership.get_role_display()
        subject = render_to_string("accounts/emails/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/emails/invitation_body.txt", context)
    return Email(subject=subject, text=body)


PASSWORD_RESET = "accounts.password_reset"  # noqa: S105 - a kind of e-mail, not a password


@email_kind(PASSWORD_RESET, label=_("Password reset link"), is_sensitive=True)
def password_reset_email_render(message: Message) -> Email | None:
    """Django's password reset e-mail. The link is made here, at delivery, from the user's current state
    (the log never holds it; the context only names the user, and is emptied once sent). None when the
    account is gone or inactive."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=message.context.get("user_id"), is_active=True).first()
    if user is None:
        return None
    context = {
        "email": message.to,
        "user": user,
        "domain": message.context.get("domain", ""),
        "protocol": message.context.get("protocol", "https"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    with translation.override(message.language or getattr(user, "language", "") or settings.LANGUAGE_CODE):
        subject = "".join(
            render_to_string("accounts/emails/password_reset_subject.txt", context).splitlines()
        )
        body = render_to_string("accounts/emails/password_reset_email.txt", context)
    return Email(subject=subject.strip(), text=body)
