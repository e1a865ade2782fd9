"""Parsing of the values found in imported files. Each parser returns the clean value or raises
ValueProblem with the reason shown in the report (row, column, value, reason)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jewelcrm.currencies import currency_normalise


class ValueProblem(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation to single spaces: 'N° client' -> 'n client'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --- dates -----------------------------------------------------------------------------------
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})$"), "dmy2"),
]


def parse_date(raw: str, *, allow_future: bool = True) -> date | None:
    """dd/mm/yyyy, dd.mm.yyyy, dd-mm-yyyy, yyyy-mm-dd, dd/mm/yy (two-digit years up to this year's
    are 20xx, later ones 19xx). A time part after the date is ignored. '' gives None."""
    value = (raw or "").strip()
    if not value:
        return None
    value = value.split("T")[0].split(" ")[0]
    return _parse_date_cached(value, allow_future)


@lru_cache(maxsize=65536)
def _parse_date_cached(value: str, allow_future: bool) -> date | None:
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        a, b, c = (int(g) for g in match.groups())
        if order == "ymd":
            year, month, day = a, b, c
        else:
            day, month, year = a, b, c
            if order == "dmy2":
                pivot = timezone.localdate().year % 100
                year += 2000 if year <= pivot else 1900
        try:
            result = date(year, month, day)
        except ValueError:
            raise ValueProblem(_("This date does not exist.")) from None
        if year < 1900:
            raise ValueProblem(_("This date is before 1900."))
        if not allow_future and result > timezone.localdate():
            raise ValueProblem(_("This date is in the future."))
        return result
    raise ValueProblem(_("Not a date (expected dd/mm/yyyy, yyyy-mm-dd or dd/mm/yy)."))


_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


def parse_datetime(raw: str, *, tz: str = "UTC") -> datetime | None:
    """An aware datetime; naive values are read in `tz`; a bare date is midnight in `tz`."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) >= 16 and value[4] == "-" and value[10] in " T":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=ZoneInfo(tz))
    for fmt in _DATETIME_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - made aware just below
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(tz))
        return parsed
    day = parse_date(value)
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)) if day else None


# --- booleans ----------------------------------------------------------------------------------
_TRUE = {"oui", "o", "1", "yes", "y", "true", "vrai", "x", "ja", "si"}
_FALSE = {"non", "n", "0", "no", "false", "faux", "nein"}


@lru_cache(maxsize=256)
def parse_bool(raw: str) -> bool | None:
    """Oui/Non/O/N/1/0/yes/no/true/false (any case); '' gives None (no answer)."""
    value = fold(raw)
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueProblem(_("Not a yes/no value (expected Oui/Non, O/N, 1/0, yes/no, true/false)."))


# --- amounts -----------------------------------------------------------------------------------
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']")
_PLAIN_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_CURRENCY_SIGNS = re.compile(r"(€|eur|chf|gbp|usd|\$|£|¥)", re.I)


def parse_decimal(raw: str, *, places: int = 2) -> Decimal | None:
    """'3 220,00 €', '9\u202f260,00', '6340.00', '1.234,50', '1,234.50' -> Decimal; '' gives None."""
    value = (raw or "").strip()
    if not value:
        return None
    if _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value).quantize(Decimal(1).scaleb(-places))
    value = _CURRENCY_SIGNS.sub("", _SPACES.sub("", value))
    if "," in value and "." in value:
        # The last separator is the decimal one; the other groups thousands.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif "," in value:
        value = value.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise ValueProblem(_("Not an amount."))
    try:
        return Decimal(value).quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise ValueProblem(_("Not an amount.")) from None


def parse_int(raw: str, *, minimum: int = 0, maximum: int = 10**6) -> int | None:
    value = (raw or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d+", value):
        raise ValueProblem(_("Not a whole number."))
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValueProblem(_("Out of range (%(min)s to %(max)s).") % {"min": minimum, "max": maximum})
    return number


# --- countries and languages --------------------------------------------------------------------
_COUNTRY_ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "england": "GB",
    "angleterre": "GB",
    "great britain": "GB",
    "grande bretagne": "GB",
    "usa": "US",
    "u s a": "US",
    "us": "US",
    "etats unis": "US",
    "etats unis d amerique": "US",
    "united states": "US",
    "america": "US",
    "uae": "AE",
    "emirats arabes unis": "AE",
    "emirats": "AE",
    "holland": "NL",
    "hollande": "NL",
    "pays bas": "NL",
    "south korea": "KR",
    "coree du sud": "KR",
    "russia": "RU",
    "russie": "RU",
    "hong kong": "HK",
    "hongkong": "HK",
    "suisse": "CH",
    "schweiz": "CH",
    "svizzera": "CH",
    "deutschland": "DE",
    "italia": "IT",
    "espana": "ES",
    "belgie": "BE",
    "nippon": "JP",
    "macau": "MO",
    "macao": "MO",
}


@cache
def _country_index() -> dict[str, str]:
    from django_countries import countries

    index: dict[str, str] = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for code, name in countries:
                index.setdefault(fold(str(name)), code)
    for code, _name in countries:
        index.setdefault(code.lower(), code)
        alpha3 = countries.alpha3(code)
        if alpha3:
            index.setdefault(alpha3.lower(), code)
    index.update(_COUNTRY_ALIASES)
    return index


@lru_cache(maxsize=1024)
def parse_country(raw: str) -> str:
    """ISO 3166 alpha-2 code from an ISO code (2 or 3 letters) or a French or English name."""
    value = fold(raw)
    if not value:
        return ""
    code = _country_index().get(value)
    if code is None:
        raise ValueProblem(_("Unknown country."))
    return code


_LANGUAGES = {
    "fr": "fr",
    "fra": "fr",
    "fre": "fr",
    "francais": "fr",
    "french": "fr",
    "en": "en",
    "eng": "en",
    "anglais": "en",
    "english": "en",
    "de": "de",
    "deu": "de",
    "allemand": "de",
    "german": "de",
    "deutsch": "de",
    "it": "it",
    "ita": "it",
    "italien": "it",
    "italian": "it",
    "italiano": "it",
    "es": "es",
    "espagnol": "es",
    "spanish": "es",
    "ja": "ja",
    "japonais": "ja",
    "japanese": "ja",
    "zh": "zh",
    "chinois": "zh",
    "chinese": "zh",
    "ar": "ar",
    "arabe": "ar",
    "arabic": "ar",
}


@lru_cache(maxsize=256)
def parse_language(raw: str) -> str:
    value = fold(raw)
    if not value:
        return ""
    value = value.split(" ")[0] if "_" not in value else value
    code = _LANGUAGES.get(value) or _LANGUAGES.get(value[:2] if len(value) == 5 else "")
    if code is None:
        raise ValueProblem(_("Unknown language."))
    return code


@lru_cache(maxsize=256)
def parse_currency(raw: str) -> str:
    value = (raw or "").strip().upper()
    if not value:
        return ""
    if value in ("€",):
        return "EUR"
    code = currency_normalise(value)
    if code is None:
        raise ValueProblem(_("Not a currency code (expected three letters such as EUR)."))
    return code


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)
