"""Normalise, then SHA-256, a customer's identifiers as the large ad platforms match them
(docs/adr/0035-ad-audience-hashing.md). One function per column; each returns "" when there is nothing
usable, so an unknown value is never hashed (the SHA-256 of "" would match nobody but leaks nothing useful
either; an empty cell is what the platforms expect).

Rules (Meta Marketing API "Customer information parameters"; Google Customer Match agrees on e-mail,
phone and names):
- EMAIL: trimmed, lower-case; refused without one "@" and a dot after it.
- PHONE: E.164 (phonenumbers, the customer's country as the default region), then digits only, as Meta
  asks ("33612345678"); Google wants the "+" kept: `phone_e164` gives that form.
- FN / LN: lower-case, trimmed, punctuation, digits and spaces removed, letters kept in UTF-8 ("é" stays
  "é"; "Anne-Marie" → "annemarie", "O'Neil" → "oneil").
- COUNTRY: ISO 3166-1 alpha-2, lower-case ("fr").
- ZIP: lower-case without spaces or dashes; in the United States the first five digits.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import phonenumbers

COLUMNS = ("EMAIL", "PHONE", "FN", "LN", "COUNTRY", "ZIP")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value else ""


def normalise_email(value: str | None) -> str:
    email = (value or "").strip().lower()
    return email if _EMAIL.match(email) else ""


def phone_e164(value: str | None, country: str = "") -> str:
    """The number in E.164 ("+33612345678"), or "" when it is not a valid number."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(value: str | None, country: str = "") -> str:
    """E.164 without the "+": the digits Meta hashes."""
    return phone_e164(value, country).lstrip("+")


def normalise_name(value: str | None) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip().lower())
    return "".join(ch for ch in text if unicodedata.category(ch).startswith("L"))


def normalise_country(value: str | None) -> str:
    code = (value or "").strip().lower()
    return code if re.fullmatch(r"[a-z]{2}", code) else ""


def normalise_postal_code(value: str | None, country: str = "") -> str:
    code = re.sub(r"[\s\-]", "", (value or "").strip().lower())
    if (country or "").upper() == "US":
        digits = re.match(r"\d{5}", code)
        return digits.group(0) if digits else ""
    return code


@dataclass(frozen=True)
class HashedIdentifiers:
    email: str
    phone: str
    first_name: str
    last_name: str
    country: str
    postal_code: str

    @property
    def is_matchable(self) -> bool:
        """Enough to match someone: an e-mail or a phone (names alone match nobody)."""
        return bool(self.email or self.phone)

    def row(self) -> list[str]:
        """The values in COLUMNS order."""
        return [self.email, self.phone, self.first_name, self.last_name, self.country, self.postal_code]


def hashed_identifiers(customer: Any) -> HashedIdentifiers:
    """The customer's six hashed identifiers (see the module's rules)."""
    country = str(customer.country or "")
    return HashedIdentifiers(
        email=sha256(normalise_email(customer.email)),
        phone=sha256(normalise_phone(customer.phone, country)),
        first_name=sha256(normalise_name(customer.first_name)),
        last_name=sha256(normalise_name(customer.last_name)),
        country=sha256(normalise_country(country)),
        postal_code=sha256(normalise_postal_code(customer.postal_code, country)),
    )
