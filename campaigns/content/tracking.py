"""Tracked links and the open pixel of marketing e-mails.

A link of a rendered marketing e-mail points at `/t/c/<recipient token>/<link token>/`:
- the recipient token is `[brand id, message key]` signed with Django's signing (SECRET_KEY, a salt of its
  own), once per e-mail: the open pixel `/t/o/<recipient token>/` uses it too;
- the link token is `[brand id, url]` signed with another salt, once per address and batch.
The redirect goes only to the address inside a valid link token of the same brand as the recipient
token: a tampered or forged token gets a 404 and the endpoint is never an open redirect. Signing once per
e-mail rather than once per link keeps a batch of 100,000 e-mails cheap (ADR 0034).

Opens are inflated by mail privacy proxies (Apple Mail Privacy Protection and others fetch every image
of every message when it arrives): count them as "opened at least once, probably", never as reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

RECIPIENT_SALT = "campaign_content.recipient"
LINK_SALT = "campaign_content.link"
_SLOT = "TOKENSLOT"


@dataclass(frozen=True)
class TrackedLink:
    brand_id: int
    message_key: str
    url: str = ""


@cache
def _signer(salt: str) -> signing.Signer:
    return signing.Signer(salt=salt)


@cache
def _prefixes() -> tuple[str, str]:
    """The absolute addresses of the click and open endpoints, cut before their tokens (reverse once)."""
    site = settings.SITE_URL.rstrip("/")
    click = reverse("campaign_content:click", kwargs={"token": _SLOT, "link": _SLOT})
    pixel = reverse("campaign_content:open", kwargs={"token": _SLOT})
    return site + click.split(_SLOT)[0], site + pixel.split(_SLOT)[0]


def recipient_token(*, brand: Any, message_key: str) -> str:
    return _signer(RECIPIENT_SALT).sign_object([brand.pk, message_key])


def link_token(*, brand: Any, url: str) -> str:
    return _signer(LINK_SALT).sign_object([brand.pk, url])


def click_url_for(*, recipient: str, link: str) -> str:
    return f"{_prefixes()[0]}{recipient}/{link}/"


def click_url(*, brand: Any, message_key: str, url: str) -> str:
    """One tracked address (batches build the tokens once each: see rendering.py)."""
    return click_url_for(
        recipient=recipient_token(brand=brand, message_key=message_key), link=link_token(brand=brand, url=url)
    )


def open_url_for(*, recipient: str) -> str:
    return f"{_prefixes()[1]}{recipient}/"


def open_url(*, brand: Any, message_key: str) -> str:
    return open_url_for(recipient=recipient_token(brand=brand, message_key=message_key))


def _load(token: str, salt: str) -> Any:
    try:
        return _signer(salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None


def _recipient(token: str) -> tuple[int, str] | None:
    value = _load(token, RECIPIENT_SALT)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    brand_id, message_key = value
    if not (isinstance(brand_id, int) and isinstance(message_key, str)):
        return None
    return brand_id, message_key


def click_read(token: str, link: str) -> TrackedLink | None:
    """The click a pair of tokens carries, or None when either is tampered or forged, they name two brands,
    or the address is not http(s)."""
    recipient = _recipient(token)
    value = _load(link, LINK_SALT)
    if recipient is None or not (isinstance(value, list) and len(value) == 2):
        return None
    brand_id, url = value
    if brand_id != recipient[0] or not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    return TrackedLink(recipient[0], recipient[1], url)


def open_read(token: str) -> TrackedLink | None:
    recipient = _recipient(token)
    return TrackedLink(*recipient) if recipient is not None else None
