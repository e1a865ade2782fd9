"""Normalisation of contact data, shared by forms, the API and the importers. Pure functions."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def email_normalise(raw: str | None) -> str:
    """Trimmed, lower-cased e-mail; '' for empty input; ValidationError when it is not an address."""
    value = (raw or "").strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a valid e-mail address."), params={"value": raw}
        ) from None
    return value


def phone_normalise(raw: str | None, *, default_region: str | None = None) -> str:
    """E.164 form of a phone number ('' for empty input), read in `default_region` when it has no
    international prefix. ValidationError when it is not a possible, valid number."""
    value = (raw or "").strip()
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, (default_region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), params={"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_email(email: str) -> str:
    """a***@g***.com: enough for a store to recognise, not enough to contact."""
    if "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    name, _dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{(name or tld)[:1]}***.{tld if name else ''}".rstrip(".")


def mask_phone(phone: str) -> str:
    """+33 6** ** ** 78: country code and the last two digits."""
    if len(phone) < 6:
        return ""
    return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]


# Letters NFKD does not decompose, folded as a reader would type them without the accent ("Søren" is
# found by "soren", "Łukasz" by "lukasz", "Bæk" by "baek"). Shared with the SQL of customers.search_terms.
FOLDED_LETTERS = {
    "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ħ": "h", "Ħ": "h",
    "ı": "i", "ŧ": "t", "Ŧ": "t", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "ẞ": "ss",
    "þ": "th", "Þ": "th",
}  # fmt: skip


def text_fold(text: str) -> str:
    """Lower-case, accent-free form of a text: letters folded, then NFKD without the combining marks."""
    import unicodedata

    text = "".join(FOLDED_LETTERS.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def name_key(*parts: str | None) -> str:
    """Lower-case, accent-free, punctuation-free form of a name, for duplicate detection and search:
    name_key("Éloïse", "D'Arcy-Martin") == "eloise d arcy martin"; name_key("Søren") == "soren"."""
    import re

    text = text_fold(" ".join(p for p in parts if p))
    return " ".join(re.split(r"[^a-z0-9]+", text)).strip()


def csv_cell(value: object) -> object:
    """Kept for callers of this name: the one rule is jewelcrm.csv_safe.csv_safe_cell."""
    from jewelcrm.csv_safe import csv_safe_cell

    return csv_safe_cell(value)
