"""Thin access to the public code helpers of the inventory (contract C6), imported lazily."""

from __future__ import annotations

import re

_FALLBACK_RE = re.compile(r"[^A-Z0-9]")


def normalise(raw: str) -> str | None:
    try:
        from warranties.inventory.codes import public_code_normalise
    except ImportError:  # the inventory helpers are not there yet
        cleaned = _FALLBACK_RE.sub("", (raw or "").upper())
        return cleaned if 8 <= len(cleaned) <= 32 else None
    return public_code_normalise(raw or "")


def prefix(code: str) -> str:
    try:
        from warranties.inventory.codes import public_code_prefix
    except ImportError:
        return code[:3]
    return public_code_prefix(code)
