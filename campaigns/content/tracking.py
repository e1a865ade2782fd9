"""Tracked links and the open pixel of marketing e-mails.

Every link of a rendered marketing e-mail points at `/t/c/<token>/`, where the token is the brand, the
message key and the original address signed with Django's signing (SECRET_KEY, a salt of its own): the
redirect goes only to the address inside a valid signature, so a tampered or forged token gets a 404
and the endpoint is never an open redirect. The pixel `/t/o/<token>/` is signed the same way.

Opens are inflated by mail privacy proxies (Apple Mail Privacy Protection and others fetch every image
of every message when it arrives): count them as "opened at least once, probably", never as reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

CLICK_SALT = "campaign_content.click"
OPEN_SALT = "campaign_content.open"


@dataclass(frozen=True)
class TrackedLink:
    brand_id: int
    message_key: str
    url: str = ""


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def click_token(*, brand: Any, message_key: str, url: str) -> str:
    return signing.dumps([brand.pk, message_key, url], salt=CLICK_SALT, compress=True)


def click_url(*, brand: Any, message_key: str, url: str) -> str:
    token = click_token(brand=brand, message_key=message_key, url=url)
    return _absolute(reverse("campaign_content:click", kwargs={"token": token}))


def open_url(*, brand: Any, message_key: str) -> str:
    token = signing.dumps([brand.pk, message_key], salt=OPEN_SALT, compress=True)
    return _absolute(reverse("campaign_content:open", kwargs={"token": token}))


def _load(token: str, salt: str) -> Any:
    try:
        return signing.loads(token, salt=salt)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def click_read(token: str) -> TrackedLink | None:
    """The link a click token carries, or None when it is tampered, forged or not an http(s) address."""
    value = _load(token, CLICK_SALT)
    if not (isinstance(value, list) and len(value) == 3):
        return None
    brand_id, message_key, url = value
    if not (isinstance(brand_id, int) and isinstance(message_key, str) and isinstance(url, str)):
        return None
    if not url.startswith(("https://", "http://")):
        return None
    return TrackedLink(brand_id, message_key, url)


def open_read(token: str) -> TrackedLink | None:
    value = _load(token, OPEN_SALT)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    brand_id, message_key = value
    if not (isinstance(brand_id, int) and isinstance(message_key, str)):
        return None
    return TrackedLink(brand_id, message_key)
