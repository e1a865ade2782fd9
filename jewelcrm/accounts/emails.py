"""The invitation e-mail, sent by a task after the membership is committed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from jewelcrm.accounts.models import Membership


def invitation_email_send(*, membership_id: int, with_password_link: bool) -> bool:
    """Send the invitation e-mail of a membership of the brand in context, in the person's language."""
    membership = (
        Membership.objects.filter(Q(is_active=True) | Q(is_pending=True), pk=membership_id)
        .select_related("user", "brand", "store")
        .first()
    )
    if membership is None:
        return False
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
    send_mail(subject, body, None, [user.email])
    return True
