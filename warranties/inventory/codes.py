"""Public item codes (contract C6): printable, readable aloud, self-checking.

A code reads ``<brand prefix>-XXXX-XXXX-XXXX-XXXC``:

- the brand's ``code_prefix`` (so ``/i/<code>`` finds its brand before looking the item up inside it);
- 15 random symbols (75 bits from ``secrets``) in Crockford's base32 alphabet, which has no I, L, O or U;
- one check symbol, in the same alphabet.

The check symbol makes the 16 symbols of the body a codeword of a linear code over the field GF(32):
``sum(alpha**i * s_i) == 0`` where ``s_i`` is the value of symbol ``i`` and ``alpha`` a primitive element.
Every weight ``alpha**i`` is distinct and non-zero (16 positions < 31), so:

- changing one symbol changes the sum by ``alpha**i * e`` with ``e != 0``: never zero, always detected;
- swapping two different symbols ``a`` and ``b`` (adjacent or not) changes it by
  ``(alpha**i + alpha**j) * (a + b)``, non-zero since the weights differ: always detected.

Normalisation forgives what people do when they type a code: lower case, spaces, missing or extra
dashes, and the ambiguous letters O (read as zero) and I or L (read as one).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_VALUES.update({"O": 0, "I": 1, "L": 1})
DATA_SYMBOLS = 15  # 75 random bits
BODY_LENGTH = DATA_SYMBOLS + 1
GROUP = 4
_PREFIX = re.compile(r"^[A-Z0-9]{1,4}$")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.]+")

# GF(32) with the primitive polynomial x^5 + x^2 + 1.
_EXP = [0] * 62
_LOG = [0] * 32
_x = 1
for _i in range(31):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0b100000:
        _x ^= 0b100101
for _i in range(31, 62):
    _EXP[_i] = _EXP[_i - 31]


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _syndrome(values: list[int]) -> int:
    total = 0
    for position, value in enumerate(values):
        total ^= _mul(_EXP[position], value)
    return total


def check_symbol(data: str) -> str:
    """The check symbol of 15 data symbols (canonical alphabet)."""
    values = [_VALUES[c] for c in data]
    if len(values) != DATA_SYMBOLS:
        raise ValueError("A code body has 15 data symbols.")
    # Solve sum(w_i * s_i) + w_15 * c == 0 for c (minus is plus in GF(2^5)).
    partial = _syndrome(values)
    inverse_weight = _EXP[(31 - DATA_SYMBOLS) % 31]
    return ALPHABET[_mul(partial, inverse_weight)]


def _format(prefix: str, body: str) -> str:
    groups = [body[i : i + GROUP] for i in range(0, len(body), GROUP)]
    return "-".join([prefix, *groups])


def public_code_new(*, brand: Any) -> str:
    """A fresh random code for one of the brand's items (uniqueness is checked by the caller)."""
    prefix = str(brand.code_prefix).upper()
    if not _PREFIX.match(prefix):
        raise ValueError(f"Invalid brand code prefix {prefix!r}.")
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
    return _format(prefix, data + check_symbol(data))


def _compact(raw: str) -> str:
    compact = _SEPARATORS.sub("", str(raw or "")).upper()
    # A full URL from a QR code: keep what follows "/i/", without a trailing slash, query or fragment.
    if "/I/" in compact:
        compact = re.split(r"[/?#]", compact.rsplit("/I/", 1)[1], maxsplit=1)[0]
    return compact


def public_code_normalise(raw: str) -> str | None:
    """The canonical form of a typed or scanned code, or None if malformed or the check fails."""
    compact = _compact(raw)
    if len(compact) <= BODY_LENGTH:
        return None
    prefix, body = compact[:-BODY_LENGTH], compact[-BODY_LENGTH:]
    if not _PREFIX.match(prefix):
        return None
    try:
        values = [_VALUES[c] for c in body]
    except KeyError:
        return None
    if _syndrome(values) != 0:
        return None
    return _format(prefix, "".join(ALPHABET[v] for v in values))


def public_code_prefix(code: str) -> str:
    """The brand prefix of a code (canonical or as typed), or "" if there is none."""
    compact = _compact(code)
    if len(compact) <= BODY_LENGTH:
        return ""
    prefix = compact[:-BODY_LENGTH]
    return prefix if _PREFIX.match(prefix) else ""
