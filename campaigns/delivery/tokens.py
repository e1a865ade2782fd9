"""The signed token of an unsubscribe link: brand, customer, channel, purpose (django.core.signing).

It never expires (a link in an old e-mail must still work) and says only who may stop which e-mails; the
signature (SECRET_KEY, this salt) makes it impossible to forge one for another person or brand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing

SALT = "campaigns.delivery.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    brand_id: int
    email: str
    customer_id: int | None = None
    channel: str = "email"
    purpose: str = "marketing"
    message_id: int | None = None
    language: str = ""


def token_make(unsubscribe: Unsubscribe) -> str:
    data: dict[str, Any] = {"b": unsubscribe.brand_id, "e": unsubscribe.email}
    if unsubscribe.customer_id:
        data["c"] = unsubscribe.customer_id
    if unsubscribe.channel != "email":
        data["ch"] = unsubscribe.channel
    if unsubscribe.purpose != "marketing":
        data["p"] = unsubscribe.purpose
    if unsubscribe.message_id:
        data["m"] = unsubscribe.message_id
    if unsubscribe.language:
        data["l"] = unsubscribe.language
    return signing.dumps(data, salt=SALT, compress=True)


def token_read(token: str) -> Unsubscribe | None:
    """The token's content, or None when it was tampered with (or is not one of ours)."""
    try:
        data = signing.loads(token, salt=SALT)
        return Unsubscribe(
            brand_id=int(data["b"]),
            email=str(data["e"]),
            customer_id=int(data["c"]) if data.get("c") else None,
            channel=str(data.get("ch", "email")),
            purpose=str(data.get("p", "marketing")),
            message_id=int(data["m"]) if data.get("m") else None,
            language=str(data.get("l", ""))[:8],
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
