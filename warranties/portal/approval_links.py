"""The link an owner confirms a store's request with: `approve/<id>/<token>/`.

The token is an HMAC of the request's row (brand, id, random nonce) with the site's secret key: never
stored, and the e-mail task rebuilds it from the row (ADR 0010).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from warranties.portal.models import OwnerApproval

_APPROVAL_SALT = "jewelcrm.portal.owner-approval"


def owner_approval_token(approval: OwnerApproval) -> str:
    """The secret of the confirmation link."""
    return salted_hmac(
        _APPROVAL_SALT, f"{approval.brand_id}:{approval.pk}:{approval.nonce}", algorithm="sha256"
    ).hexdigest()


def owner_approval_url(approval: OwnerApproval) -> str:
    path = reverse(
        "portal:approval",
        kwargs={
            "brand_slug": approval.brand.slug,
            "pk": approval.pk,
            "token": owner_approval_token(approval),
        },
    )
    return settings.SITE_URL.rstrip("/") + path
