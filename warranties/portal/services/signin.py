"""Passwordless sign-in: single-use links sent by e-mail."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from jewelcrm.accounts.models import Brand
from warranties.portal import emails
from warranties.portal.models import LinkPurpose, LoginLink, Transfer
from warranties.portal.services.common import LINK_INVALID, LINK_LIFETIME, _hash, _language


def _link_create(
    *,
    brand: Brand,
    email: str,
    purpose: str,
    customer: Customer | None = None,
    transfer: Transfer | None = None,
    ip: str | None = None,
) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    LoginLink.objects.create(
        brand=brand,
        purpose=purpose,
        email=email,
        customer=customer,
        transfer=transfer,
        token_hash=_hash(brand, token),
        created_at=now,
        expires_at=now + LINK_LIFETIME,
        ip=ip,
    )
    return token


def link_url(*, brand: Brand, token: str) -> str:
    return emails.site_url(reverse("portal:link", kwargs={"brand_slug": brand.slug, "token": token}))


@transaction.atomic
def login_link_request(*, brand: Brand, email: str, ip: str | None = None) -> bool:
    """E-mail a sign-in link if the address belongs to a customer. The caller answers the same either way.

    Returns whether a link was sent (for tests and logs only, never shown).
    """
    from customers.normalise import email_normalise
    from customers.selectors import customer_find

    try:
        address = email_normalise(email)
    except ValidationError:
        return False
    customer = customer_find(brand=brand, email=address) if address else None
    if customer is None:
        return False
    token = _link_create(brand=brand, email=address, purpose=LinkPurpose.SIGN_IN, customer=customer, ip=ip)
    emails.send_after_commit(
        to=[address],
        template="sign_in",
        language=_language(brand, customer),
        context={"brand_name": brand.name, "url": link_url(brand=brand, token=token), "minutes": 10},
    )
    return True


def login_link_peek(*, brand: Brand, token: str) -> LoginLink | None:
    """The unused, unexpired link of this token (read only: GET never consumes)."""
    return (
        LoginLink.objects.filter(
            brand=brand, token_hash=_hash(brand, token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("transfer")
        .first()
    )


@transaction.atomic
def login_link_consume(*, brand: Brand, token: str) -> LoginLink:
    """Use a link once. ValidationError when unknown, expired or already used."""
    link = LoginLink.objects.select_for_update().filter(brand=brand, token_hash=_hash(brand, token)).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise ValidationError(
            _("This sign-in link has expired or has already been used. Ask for a new one."), code=LINK_INVALID
        )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link
